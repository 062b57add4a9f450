import { reservedCalls, type BudgetSettings } from "../transport-settings.js";
import type { BudgetSnapshot } from "./api-budget.js";

/**
 * How many counted calls could start now without waiting for the API budget (request-budget.ts): what an optional
 * call — one nobody waits for, like the orphan listing — asks before it goes, so that it never delays a deploy or
 * pushes a token towards Cloudflare's five-minute block. Pure: the figures come from the budget's snapshot.
 *
 * Zero while a 429 block holds the budget, while calls are already queueing (the budget is saying "not now" to
 * someone), and when the window or the server's `Ratelimit` figure has no room left above the reserve.
 * `Infinity` when the budget is off. (Calls in flight are already in `callsInWindow`: a call counts when it starts.)
 */
export function callsAllowedNow(snapshot: BudgetSnapshot, settings: BudgetSettings | undefined, blockedMs: number): number {
  if (blockedMs > 0 || snapshot.waiting > 0) return 0;
  let allowed = Number.POSITIVE_INFINITY;
  if (settings) allowed = settings.limit - reservedCalls(settings.reserve, settings.limit) - snapshot.callsInWindow;
  if (snapshot.serverAllowed !== undefined) allowed = Math.min(allowed, snapshot.serverAllowed);
  return Math.max(0, allowed);
}
