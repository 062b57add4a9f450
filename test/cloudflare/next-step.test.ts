/** What a request does after a failed attempt (src/cloudflare/next-step.ts): one row per rule. */
import { describe, expect, it } from "vitest";
import type { AttemptFailure } from "../../src/cloudflare/envelope.js";
import {
  afterFailure,
  blockBound,
  failureFor,
  FIRST_ATTEMPT,
  MAX_RATE_LIMITED_RETRIES,
  RATE_LIMIT_BLOCK_MS,
  type NextStep,
  type RetryRules,
  type RetryState,
} from "../../src/cloudflare/next-step.js";
import { DEFAULT_RETRY_POLICY } from "../../src/cloudflare/retry-policy.js";

const RULES: RetryRules = { policy: { ...DEFAULT_RETRY_POLICY }, noRetry: false, rateLimitMaxWaitMs: 360_000 };
/** Full jitter at its top: the backoff is the whole window minus one millisecond. */
const TOP = () => 0.999_999;

function failure(status: number | undefined, extra: Partial<AttemptFailure> = {}): AttemptFailure {
  return {
    kind: status === undefined ? "network" : "http",
    ...(status !== undefined ? { status } : {}),
    codes: [],
    apiMessages: [],
    detail: status === undefined ? "network error ECONNRESET" : `HTTP ${status}`,
    reason: status === undefined ? "ECONNRESET" : `HTTP ${status}`,
    retryable: status === undefined || [429, 500, 502, 503, 504, 524].includes(status),
    ...extra,
  };
}

const at = (state: Partial<RetryState>): RetryState => ({ ...FIRST_ATTEMPT, ...state });

describe("afterFailure", () => {
  const rows: Array<[string, AttemptFailure, RetryState, RetryRules, NextStep]> = [
    ["400: fail with the answer", failure(400), at({}), RULES, { do: "fail", failure: { as: "answer" } }],
    ["503, first attempt: back off, one attempt used", failure(503), at({}), RULES, { do: "retry", delayMs: 499, counted: true, state: at({ attempt: 2 }) }],
    ["503, third attempt: the backoff doubles twice", failure(503), at({ attempt: 3 }), RULES, { do: "retry", delayMs: 1999, counted: true, state: at({ attempt: 4 }) }],
    ["503, attempts used up: fail with the answer", failure(503), at({ attempt: 5 }), RULES, { do: "fail", failure: { as: "answer" } }],
    ["network error: retried like a 5xx", failure(undefined), at({}), RULES, { do: "retry", delayMs: 499, counted: true, state: at({ attempt: 2 }) }],
    ["network error that is not worth a retry", failure(undefined, { retryable: false }), at({}), RULES, { do: "fail", failure: { as: "answer" } }],
    ["503 with Retry-After 2 s: wait that instead of the backoff", failure(503, { retryAfterMs: 2000 }), at({}), RULES, { do: "retry", delayMs: 2000, counted: true, state: at({ attempt: 2 }) }],
    [
      "503 with a Retry-After beyond maxRetryAfterMs: fail, naming both",
      failure(503, { retryAfterMs: 600_000 }),
      at({}),
      RULES,
      { do: "fail", failure: { as: "retry-after-too-long", retryAfterMs: 600_000, limitMs: 60_000 } },
    ],
    ["first 524: free, backoff + 5 s", failure(524), at({}), RULES, { do: "retry", delayMs: 499 + 5000, counted: false, state: at({ gatewayErrors: 1 }) }],
    ["fourth 524: still free, + 40 s", failure(524), at({ gatewayErrors: 3 }), RULES, { do: "retry", delayMs: 499 + 40_000, counted: false, state: at({ gatewayErrors: 4 }) }],
    ["fifth 524: uses an attempt, + 80 s", failure(524), at({ gatewayErrors: 4 }), RULES, { do: "retry", delayMs: 499 + 80_000, counted: true, state: at({ attempt: 2, gatewayErrors: 5 }) }],
    ["a free 524 even when the attempts are used up", failure(524), at({ attempt: 5 }), RULES, { do: "retry", delayMs: 7999 + 5000, counted: false, state: at({ attempt: 5, gatewayErrors: 1 }) }],
    ["429 with Retry-After: the budget waits, no attempt used", failure(429, { retryAfterMs: 2000 }), at({}), RULES, { do: "wait-for-budget", blockMs: 2000, state: at({ rateLimited: 1 }) }],
    ["429 without Retry-After: Cloudflare's five-minute block", failure(429), at({}), RULES, { do: "wait-for-budget", blockMs: RATE_LIMIT_BLOCK_MS, state: at({ rateLimited: 1 }) }],
    [
      "429 past the wait bound: fail as rate limited, the budget still blocked",
      failure(429, { retryAfterMs: 120_000 }),
      at({ rateLimitedMs: 300_000 }),
      RULES,
      { do: "fail", failure: { as: "rate-limited", waitMs: 120_000 }, blockMs: 120_000 },
    ],
    [
      "429s with Retry-After 0 forever: give up after the 20th",
      failure(429, { retryAfterMs: 0 }),
      at({ rateLimited: MAX_RATE_LIMITED_RETRIES }),
      RULES,
      { do: "fail", failure: { as: "rate-limited", waitMs: 0 }, blockMs: 0 },
    ],
    ["429 with retry: false: the answer, the budget still blocked", failure(429, { retryAfterMs: 2000 }), at({}), { ...RULES, noRetry: true }, { do: "fail", failure: { as: "answer" }, blockMs: 2000 }],
    ["524 with retry: false: no free retry", failure(524), at({}), { ...RULES, noRetry: true, policy: { ...RULES.policy, maxAttempts: 1 } }, { do: "fail", failure: { as: "answer" } }],
  ];

  it.each(rows)("%s", (_name, given, state, rules, expected) => {
    expect(afterFailure(given, state, rules, TOP)).toEqual(expected);
  });
});

describe("blockBound", () => {
  it("is what is left of rateLimitWait, never below zero", () => {
    expect(blockBound(at({}), RULES)).toBe(360_000);
    expect(blockBound(at({ rateLimitedMs: 300_000 }), RULES)).toBe(60_000);
    expect(blockBound(at({ rateLimitedMs: 400_000 }), RULES)).toBe(0);
  });
});

describe("failureFor", () => {
  const last = failure(503, { retryAfterMs: 600_000, detail: "overloaded [code: 10013]" });

  it("keeps the answer as it is, or says why a long Retry-After was not waited for", () => {
    expect(failureFor({ as: "answer" }, last, RULES, "off")).toBe(last);
    expect(failureFor({ as: "retry-after-too-long", retryAfterMs: 600_000, limitMs: 60_000 }, last, RULES, "off").detail).toBe(
      "overloaded [code: 10013]; the server asked to wait 600s (Retry-After), longer than the 60s limit (retry.maxRetryAfterMs), so not retrying; try again later",
    );
  });

  it("names the rate-limit wait, the budget and the settings to change, with or without an answer", () => {
    const limited = failureFor({ as: "rate-limited", waitMs: 900_000 }, failure(429, { detail: "rate limited [code: 971]", codes: [971] }), RULES, "1,200 calls per 300 s");
    expect(limited).toMatchObject({ kind: "http", status: 429, codes: [971], retryable: true, retryAfterMs: 900_000 });
    expect(limited.detail).toMatch(/^rate limited \[code: 971\]; the API is rate limiting this token \(HTTP 429\) and calls must wait another 15 min, more than the 6 min/);
    expect(limited.detail).toContain("paces its calls to 1,200 calls per 300 s (`apiBudget` (WFP_ASSETS_API_BUDGET))");
    const unsent = failureFor({ as: "rate-limited", waitMs: 60_000 }, undefined, RULES, "off");
    expect(unsent.detail).toMatch(/^the API is rate limiting this token/);
    expect(unsent.codes).toEqual([]);
  });
});
