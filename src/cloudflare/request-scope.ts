/**
 * Who wants to hear that a request waits for the API budget, without threading a callback through every
 * function between a deploy and its requests: deployAssets runs inside a scope, and every request made in it
 * (session, buckets, script PUT, reads) reports its waits there. AsyncLocalStorage follows the awaits.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { BudgetWait } from "./request-budget.js";

export interface RequestObserver {
  onBudgetWait?: (wait: BudgetWait) => void;
}

const scope = new AsyncLocalStorage<RequestObserver>();

/** Runs `fn` so that requests started inside it report to `observer` (an inner scope replaces an outer one). */
export function withRequestObserver<T>(observer: RequestObserver, fn: () => Promise<T>): Promise<T> {
  return scope.run(observer, fn);
}

export function currentRequestObserver(): RequestObserver | undefined {
  return scope.getStore();
}
