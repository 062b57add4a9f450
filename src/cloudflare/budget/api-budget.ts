/**
 * What a CloudflareClient needs of its API budget. RequestBudget (request-budget.ts) is the real one; a worker
 * thread's client gets a stand-in that asks the parent thread's RequestBudget over a MessagePort
 * (src/deploy/budget-bridge.ts), so that every call of the process is paced by one budget, whichever thread sends it.
 * These types are that bridge's contract: change them only together with it.
 */
import { formatWait } from "../durations.js";
import type { BudgetWaitObserver } from "./wait.js";

export interface ApiBudget {
  /** Whether calls with the upload JWT take a slot (the client asks this per request). */
  readonly countsUploadCalls: boolean;
  /** The budget in words, for error messages ("1,200 calls per 300 s …", or "off"). */
  describe(): string;
  /** Waits until a call may start; the permit is completed when the call's answer (or failure) is in. */
  acquire(options: AcquireOptions): Promise<BudgetPermit>;
  /** A 429 arrived: nothing of this budget goes for `ms`. */
  blockFor(ms: number): void;
  /** For tests and diagnostics (a stand-in reports the real budget's figures as of its last answer). */
  snapshot(): BudgetSnapshot;
}

export interface AcquireOptions {
  /** False for calls that do not count against the budget (they still respect a 429 block). */
  counted: boolean;
  signal?: AbortSignal;
  /**
   * Told when this call waits: once per wait, with this call's own estimate. The only way a wait is reported
   * (src/cloudflare/budget/observe.ts decides who hears it).
   */
  onWait?: BudgetWaitObserver;
  /** Longest this call may still be held by a 429 block; a longer block rejects with RateLimitWaitExceeded. */
  maxBlockedMs?: number;
}

export interface BudgetPermit {
  /** How long this call was held by a rate-limit block (429) before it was let through. */
  readonly blockedMs: number;
  /**
   * Releases the call's slot. Pass the answer's headers (lower-case names) when there was an answer, so the
   * Ratelimit headers can tighten the estimate; undefined when no answer arrived.
   */
  complete(headers?: Readonly<Record<string, string>>): void;
}

export interface BudgetSnapshot {
  /** Counted calls in the main window. */
  callsInWindow: number;
  inFlight: number;
  waiting: number;
  /** Calls the server's Ratelimit header still allows, when it sent one. */
  serverAllowed: number | undefined;
}

/** A 429 block longer than the caller agreed to wait. */
export class RateLimitWaitExceeded extends Error {
  readonly waitMs: number;
  readonly allowedMs: number;
  constructor(waitMs: number, allowedMs: number) {
    super(`all API calls are blocked for another ${formatWait(waitMs)} (rate limited), longer than the ${formatWait(allowedMs)} left to wait`);
    this.name = "RateLimitWaitExceeded";
    this.waitMs = waitMs;
    this.allowedMs = allowedMs;
  }
}
