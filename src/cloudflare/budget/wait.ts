/** A wait for the API budget: what it is, and the progress line that tells it. Pure. */
import { formatCount, formatDuration, formatWait } from "../durations.js";

export type BudgetWaitReason = "budget" | "server" | "rate-limited";

export interface BudgetWait {
  /** One id per wait of a budget: an observer that sees the same id again is hearing about the same wait. */
  id: number;
  reason: BudgetWaitReason;
  /** From the moment of the callback until the wait is expected to end. */
  waitMs: number;
  /** The limit that makes calls wait, e.g. 1,200 calls per 300,000 ms. */
  limit: number;
  windowMs: number;
  /** For "server": the calls the server said were left. */
  remaining?: number;
}

/** Who hears about waits (a deploy's progress, the provider's log): see observe.ts. */
export type BudgetWaitObserver = (wait: BudgetWait) => void;

/** The progress line for a wait: "waiting 12 s for the API budget: 1,200 calls per 300 s". */
export function formatBudgetWait(wait: BudgetWait): string {
  const time = formatWait(wait.waitMs);
  const policy = wait.limit > 0 ? `${formatCount(wait.limit)} calls per ${formatDuration(wait.windowMs)}` : "";
  switch (wait.reason) {
    case "budget":
      return `waiting ${time} for the API budget: ${policy}`;
    case "server":
      return `waiting ${time} for the API budget: the API reports ${formatCount(wait.remaining ?? 0)} calls left${policy ? ` of ${policy}` : ""}`;
    case "rate-limited":
      return `waiting ${time}: the API answered 429 (rate limited${policy ? `; budget ${policy}` : ""}), so every call on this token waits until the block ends`;
  }
}
