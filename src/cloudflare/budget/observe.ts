/**
 * The one way a wait for the API budget is observed. The budget tells each waiting call, once per wait
 * (AcquireOptions.onWait); the client gives every call the observer of its audience, decided here:
 *
 * - the innermost withRequestObserver scope the call was started in: deployAssets runs in one, so every request of
 *   a deploy (session, buckets, script PUT, reads) reports to that deploy's progress, without a callback threaded
 *   through every function in between (AsyncLocalStorage follows the awaits);
 * - else the client's own `onBudgetWait` (the provider's log, for reads and deletes).
 *
 * An audience hears each wait once, however many of its calls wait on it. That memory lives in the audience's
 * observer (eachWaitOnce), made per scope or per client, so no caller's observer depends on another's.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { BudgetWait, BudgetWaitObserver } from "./wait.js";

export interface RequestObserver {
  onBudgetWait?: BudgetWaitObserver;
}

/** The observer of the enclosing scope (undefined: none, or a scope without one). Holds no state of its own. */
const scope = new AsyncLocalStorage<BudgetWaitObserver | undefined>();

/** Runs `fn` so that requests started inside it report their waits to `observer` (an inner scope replaces an outer one). */
export function withRequestObserver<T>(observer: RequestObserver, fn: () => Promise<T>): Promise<T> {
  return scope.run(observer.onBudgetWait ? eachWaitOnce(observer.onBudgetWait) : undefined, fn);
}

/** Who hears the waits of a call started now: the enclosing scope's observer, else the client's. */
export function observerOfCall(clientObserver: BudgetWaitObserver | undefined): BudgetWaitObserver | undefined {
  return scope.getStore() ?? clientObserver;
}

/** `observer`, told of each wait once however many of its calls report it (a budget numbers its waits in order). */
export function eachWaitOnce(observer: BudgetWaitObserver): BudgetWaitObserver {
  let last: number | undefined;
  return (wait: BudgetWait) => {
    if (wait.id === last) return;
    last = wait.id;
    observer(wait);
  };
}
