/** When to try a request again and how long to wait first. Pure functions; the client does the waiting. */

export interface RetryPolicy {
  /** Total tries, including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * A longer Retry-After on a 5xx fails fast instead of stalling a deploy for minutes. (A 429's Retry-After is
   * governed by the transport's rateLimitMaxWaitMs instead: a rate limit is waited out, see client.ts.)
   */
  maxRetryAfterMs: number;
  /** Extra wait after the n-th 524 of a request: gatewayDelayMs·2^(n−1), on top of the backoff (wrangler, docs/cloudflare-api.md §6). */
  gatewayDelayMs: number;
  /** That many 524s of a request do not use up an attempt (wrangler: the first 4). */
  freeGatewayRetries: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
  maxRetryAfterMs: 60_000,
  gatewayDelayMs: 5_000,
  freeGatewayRetries: 4,
});

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`retry.${name} must be a finite number >= 0 (got ${value}).`);
  return value;
}

/**
 * Layers: `base` (the defaults, or the transport settings' retry) ← client options ← per-request options;
 * `false` on the request means a single try.
 */
export function resolveRetryPolicy(
  clientRetry: Partial<RetryPolicy> | undefined,
  requestRetry: Partial<RetryPolicy> | false | undefined,
  base: Readonly<RetryPolicy> = DEFAULT_RETRY_POLICY,
): RetryPolicy {
  const merged = { ...base, ...stripUndefined(clientRetry), ...stripUndefined(requestRetry || undefined) };
  const maxAttempts = requestRetry === false ? 1 : merged.maxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be an integer >= 1 (got ${maxAttempts}).`);
  }
  return {
    maxAttempts,
    baseDelayMs: nonNegative(merged.baseDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs, "baseDelayMs"),
    maxDelayMs: nonNegative(merged.maxDelayMs, DEFAULT_RETRY_POLICY.maxDelayMs, "maxDelayMs"),
    maxRetryAfterMs: nonNegative(merged.maxRetryAfterMs, DEFAULT_RETRY_POLICY.maxRetryAfterMs, "maxRetryAfterMs"),
    gatewayDelayMs: nonNegative(merged.gatewayDelayMs, DEFAULT_RETRY_POLICY.gatewayDelayMs, "gatewayDelayMs"),
    freeGatewayRetries: wholeNumber(merged.freeGatewayRetries, "freeGatewayRetries"),
  };
}

function wholeNumber(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`retry.${name} must be an integer >= 0 (got ${value}).`);
  return value;
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * "Full jitter": a uniform delay in [0, min(max, base·2^(attempt-1))). Spreading retries over the whole
 * window keeps parallel bucket uploads from hammering a recovering API in lock-step.
 * `failedAttempt` is 1-based.
 */
export function backoffDelayMs(failedAttempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * The extra wait after a request's `gatewayErrors`-th 524 (Cloudflare's edge gave up waiting for the API after
 * 100 s): 5 s, 10 s, 20 s, 40 s, 80 s with the defaults, as wrangler waits between bucket uploads.
 */
export function gatewayDelayMs(gatewayErrors: number, policy: RetryPolicy): number {
  return policy.gatewayDelayMs * 2 ** Math.max(0, gatewayErrors - 1);
}

/** HTTP 524: "A timeout occurred" at Cloudflare's edge — the request reached the API, which did not answer in time. */
export const GATEWAY_TIMEOUT_STATUS = 524;

/** 5xx gateway/overload answers, Cloudflare's 524 (origin timeout) and 429 are worth another try. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504, 524]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Undefined when absent or unparsable. */
export function parseRetryAfterMs(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP-date always names a weekday and month; this keeps "-5" or "1.5" from parsing as a year.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Network error codes that mean "the connection broke", so the same request may well succeed on a
 * fresh one (keep-alive sockets closed by the server while idle surface as ECONNRESET/UND_ERR_SOCKET).
 * ENOTFOUND is left out: it is nearly always a mistyped base URL, and retrying only delays that message.
 */
const RETRYABLE_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
]);

export function isRetryableNetworkCode(code: string | undefined): boolean {
  return code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
}
