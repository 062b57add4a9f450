/**
 * The API budget: Cloudflare's 1,200 calls per 5 minutes per token (docs/cloudflare-api.md §15.1), kept by one
 * RequestBudget per token and process.
 *
 *   window.ts        the configured windows and the log of calls (how long the next call waits)
 *   server-view.ts   what the server's Ratelimit / Ratelimit-Policy headers say (rate-limit-headers.ts reads them)
 *   request-budget.ts  the queue: who goes when, 429 blocks, the waits it tells
 *   ledger.ts        calls of other processes on the token, when they share (apiBudgetShare)
 *   registry.ts      one budget per API origin and credential for the whole process
 *   api-budget.ts    what a client needs of a budget; the worker-thread bridge (src/deploy/budget-bridge.ts) serves it
 *   wait.ts, observe.ts  what a wait is, and the one way to hear of it
 *   headroom.ts      how many calls may start now, for optional calls
 */
export { RateLimitWaitExceeded, type AcquireOptions, type ApiBudget, type BudgetPermit, type BudgetSnapshot } from "./api-budget.js";
export { callsAllowedNow } from "./headroom.js";
export { defaultLedgerDir, FileBudgetLedger, type BudgetLedger, type LedgerNews } from "./ledger.js";
export { eachWaitOnce, observerOfCall, withRequestObserver, type RequestObserver } from "./observe.js";
export { parseRateLimit, parseRateLimitPolicy, type RateLimitPolicy, type RateLimitRemaining } from "./rate-limit-headers.js";
export { budgetKey, sharedBudget } from "./registry.js";
export { RequestBudget, type RequestBudgetOptions } from "./request-budget.js";
export { formatBudgetWait, type BudgetWait, type BudgetWaitObserver, type BudgetWaitReason } from "./wait.js";
