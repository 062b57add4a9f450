/**
 * What a request does after a failed attempt — retry after a delay, wait for the API budget, or fail with which
 * error — as pure decisions, so that each rule has its own table test (test/cloudflare/next-step.test.ts) and
 * CloudflareClient.request reads as a loop.
 *
 * - A 429 blocks every call of the token, not just this one (docs/cloudflare-api.md §15.1): the whole budget waits it
 *   out, and the wait uses up no attempt of this or any other request, up to `rateLimitWait` in total.
 * - A gateway timeout (524) is retried with wrangler's patience (docs/cloudflare-api.md §6): the first few use up no
 *   attempt and add 5 s, 10 s, 20 s… on top of the backoff.
 * - Anything else retryable is retried with backoff (or the server's Retry-After, if it is not absurdly long) until
 *   the attempts are used up.
 */
import { formatWait } from "./durations.js";
import { formatSeconds, type AttemptFailure } from "./envelope.js";
import { backoffDelayMs, GATEWAY_TIMEOUT_STATUS, gatewayDelayMs, type RetryPolicy } from "./retry-policy.js";
import { describeSetting } from "./transport-settings.js";

/** "If you exceed this limit, all API calls for the next five minutes will be blocked" (docs/cloudflare-api.md §15.1): a 429 without Retry-After. */
export const RATE_LIMIT_BLOCK_MS = 5 * 60_000;
/**
 * A server that answered 429 with `Retry-After: 0` forever would otherwise be retried forever: a request gives up
 * after this many rate-limited answers even when the waits were short.
 */
export const MAX_RATE_LIMITED_RETRIES = 20;

/** Where a request stands after an attempt. */
export interface RetryState {
  /** Attempts used up, the last one included; free retries (429s, the first 524s) do not advance it. */
  attempt: number;
  gatewayErrors: number;
  /** 429 answers so far. */
  rateLimited: number;
  /** How long this request has been held by 429 blocks so far. */
  rateLimitedMs: number;
}

export const FIRST_ATTEMPT: Readonly<RetryState> = Object.freeze({ attempt: 1, gatewayErrors: 0, rateLimited: 0, rateLimitedMs: 0 });

export interface RetryRules {
  policy: RetryPolicy;
  /** `retry: false` on the request: a single try, whatever the answer. */
  noRetry: boolean;
  /** The longest a request waits out 429 blocks in total (the `rateLimitWait` setting). */
  rateLimitMaxWaitMs: number;
}

/** The error a request fails with. */
export type Failure =
  /** The last attempt's failure, as it is. */
  | { as: "answer" }
  /** A retryable answer whose Retry-After is beyond retry.maxRetryAfterMs. */
  | { as: "retry-after-too-long"; retryAfterMs: number; limitMs: number }
  /** A 429 block (or several) this request will not wait out. */
  | { as: "rate-limited"; waitMs: number };

/** What to do next. `blockMs`: a 429 said the whole budget must wait this long, whatever this request does. */
export type NextStep =
  | { do: "retry"; delayMs: number; counted: boolean; state: RetryState; blockMs?: undefined }
  | { do: "wait-for-budget"; blockMs: number; state: RetryState }
  | { do: "fail"; failure: Failure; blockMs?: number };

/** The decision after a failed attempt. `random` feeds the backoff's jitter. */
export function afterFailure(failure: AttemptFailure, state: RetryState, rules: RetryRules, random: () => number = Math.random): NextStep {
  if (failure.status === 429) return afterRateLimit(failure, state, rules);
  if (!failure.retryable) return { do: "fail", failure: { as: "answer" } };
  const { policy } = rules;
  const gateway = failure.status === GATEWAY_TIMEOUT_STATUS && !rules.noRetry;
  const gatewayErrors = state.gatewayErrors + (gateway ? 1 : 0);
  const free = gateway && gatewayErrors <= policy.freeGatewayRetries;
  if (!free && state.attempt >= policy.maxAttempts) return { do: "fail", failure: { as: "answer" } };
  const retryAfterMs = failure.retryAfterMs;
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) {
    return { do: "fail", failure: { as: "retry-after-too-long", retryAfterMs, limitMs: policy.maxRetryAfterMs } };
  }
  const delayMs = (retryAfterMs ?? backoffDelayMs(state.attempt, policy, random)) + (gateway ? gatewayDelayMs(gatewayErrors, policy) : 0);
  return { do: "retry", delayMs, counted: !free, state: { ...state, gatewayErrors, attempt: free ? state.attempt : state.attempt + 1 } };
}

function afterRateLimit(failure: AttemptFailure, state: RetryState, rules: RetryRules): NextStep {
  const blockMs = failure.retryAfterMs ?? RATE_LIMIT_BLOCK_MS;
  if (rules.noRetry) return { do: "fail", failure: { as: "answer" }, blockMs };
  if (state.rateLimitedMs + blockMs > rules.rateLimitMaxWaitMs || state.rateLimited >= MAX_RATE_LIMITED_RETRIES) {
    return { do: "fail", failure: { as: "rate-limited", waitMs: blockMs }, blockMs };
  }
  return { do: "wait-for-budget", blockMs, state: { ...state, rateLimited: state.rateLimited + 1 } };
}

/** How much longer the next attempt may be held by a 429 block before the request gives up. */
export function blockBound(state: RetryState, rules: RetryRules): number {
  return Math.max(0, rules.rateLimitMaxWaitMs - state.rateLimitedMs);
}

/**
 * The failure a request reports for `failure`. `last`: its last attempt's failure (none when a 429 block another
 * request was told of outlasted this one's patience before it was sent); `budget`: the budget in words.
 */
export function failureFor(failure: Failure, last: AttemptFailure | undefined, rules: RetryRules, budget: string): AttemptFailure {
  switch (failure.as) {
    case "answer":
      return last!;
    case "retry-after-too-long":
      return {
        ...last!,
        detail:
          `${last!.detail}; the server asked to wait ${formatSeconds(failure.retryAfterMs)} (Retry-After), ` +
          `longer than the ${formatSeconds(failure.limitMs)} limit (retry.maxRetryAfterMs), so not retrying; try again later`,
      };
    case "rate-limited":
      return rateLimitFailure(last, failure.waitMs, rules.rateLimitMaxWaitMs, budget);
  }
}

/** A 429 the request will not wait out: names the wait, the budget and the settings to change. */
function rateLimitFailure(last: AttemptFailure | undefined, waitMs: number, boundMs: number, budget: string): AttemptFailure {
  const detail =
    `${last ? `${last.detail}; ` : ""}the API is rate limiting this token (HTTP 429) and calls must wait another ${formatWait(waitMs)}, more than ` +
    `the ${formatWait(boundMs)} a request waits out rate limiting (${describeSetting("rateLimitWait")}). Cloudflare allows ` +
    `1,200 calls per 5 minutes per token and then blocks every call for five minutes; this process paces its calls to ` +
    `${budget} (${describeSetting("apiBudget")}). Raise ${describeSetting("rateLimitWait")} to ride out the block, ` +
    `or lower ${describeSetting("apiBudget")} when other tools use the same token`;
  return {
    kind: "http",
    status: 429,
    codes: last?.codes ?? [],
    apiMessages: last?.apiMessages ?? [],
    detail,
    reason: "HTTP 429",
    retryable: true,
    retryAfterMs: waitMs,
  };
}
