/**
 * The contract suite's own cap on API calls. A user runs it with the token their deploys use, and Cloudflare blocks
 * *every* call of a token for five minutes once it passes 1,200 calls in five minutes (README, "Configuration"), so
 * the suite promises a small, fixed cost and refuses — loudly, before sending — a call that would break the promise.
 * Every request counts, the upload calls authenticated by a session JWT included.
 */

/** At most this many API calls per run, cleanup included. */
export const CONTRACT_CALL_BUDGET = 60;

/**
 * Calls kept back for cleanup (deleting the scripts the run may have left and the scratch namespace, then reading
 * the namespace once to see it gone): checks can never spend them, so a run that goes wrong still cleans up.
 */
export const CLEANUP_RESERVE = 4;

export type CallPurpose = "check" | "cleanup";

export class CallBudgetError extends Error {
  override readonly name = "CallBudgetError";
}

export class CallBudget {
  private spent = 0;
  /** What the server last said is left of the token's rate-limit window (`Ratelimit: …;r=N`), if it said. */
  private serverRemaining: number | undefined;

  constructor(
    readonly limit: number = CONTRACT_CALL_BUDGET,
    readonly reserve: number = CLEANUP_RESERVE,
  ) {}

  get used(): number {
    return this.spent;
  }

  /** Counts one call before it is sent; throws instead when it would go over (checks may not touch the reserve). */
  take(purpose: CallPurpose, what: string): void {
    const ceiling = purpose === "check" ? this.limit - this.reserve : this.limit;
    if (this.spent + 1 > ceiling) {
      throw new CallBudgetError(
        `The contract suite would make API call ${this.spent + 1} (${what}), past its budget of ${this.limit} calls` +
          (purpose === "check" ? ` (${this.reserve} of them kept for cleanup)` : "") +
          ". This is a bug in the suite: please report it with the output above.",
      );
    }
    // Never be the call that trips the token's five-minute block: stop while the cleanup still fits in the window.
    if (purpose === "check" && this.serverRemaining !== undefined && this.serverRemaining <= this.reserve) {
      throw new CallBudgetError(
        `The API token has only ${this.serverRemaining} calls left in its rate-limit window (Ratelimit header), so the suite stops ` +
          `before ${what} to keep them for cleanup and never trip Cloudflare's five-minute block. Run it again in a few minutes.`,
      );
    }
    this.spent += 1;
  }

  /** Remembers the server's count of calls left in the token's window. */
  observeRemaining(remaining: number): void {
    this.serverRemaining = remaining;
  }
}
