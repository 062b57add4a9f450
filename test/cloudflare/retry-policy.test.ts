import { describe, expect, it } from "vitest";
import { backoffDelayMs, DEFAULT_RETRY_POLICY, gatewayDelayMs, isRetryableStatus, parseRetryAfterMs } from "../../src/cloudflare/index.js";
import { resolveRetryPolicy } from "../../src/cloudflare/retry-policy.js";

describe("backoffDelayMs (full jitter)", () => {
  const policy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 15_000 };

  it("grows the window exponentially and caps it at maxDelayMs", () => {
    const almostOne = () => 0.999_999;
    expect(backoffDelayMs(1, policy, almostOne)).toBe(499);
    expect(backoffDelayMs(2, policy, almostOne)).toBe(999);
    expect(backoffDelayMs(3, policy, almostOne)).toBe(1999);
    expect(backoffDelayMs(10, policy, almostOne)).toBe(14_999);
  });

  it("spreads delays over the whole window, down to zero", () => {
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(1000);
  });
});

describe("gatewayDelayMs (wrangler's patience with 524)", () => {
  it("waits 5 s, 10 s, 20 s, 40 s, 80 s after a request's 1st…5th gateway timeout, and scales with the setting", () => {
    expect([1, 2, 3, 4, 5].map((n) => gatewayDelayMs(n, DEFAULT_RETRY_POLICY))).toEqual([5000, 10_000, 20_000, 40_000, 80_000]);
    expect(gatewayDelayMs(3, { ...DEFAULT_RETRY_POLICY, gatewayDelayMs: 10 })).toBe(40);
    expect(DEFAULT_RETRY_POLICY.freeGatewayRetries).toBe(4);
  });
});

describe("parseRetryAfterMs", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfterMs("2", now)).toBe(2000);
    expect(parseRetryAfterMs(" 0 ", now)).toBe(0);
    expect(parseRetryAfterMs("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfterMs("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
  });
  it("ignores absent or unparsable values", () => {
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs("", now)).toBeUndefined();
    expect(parseRetryAfterMs("soon", now)).toBeUndefined();
    expect(parseRetryAfterMs("-5", now)).toBeUndefined();
  });
});

describe("isRetryableStatus", () => {
  it("retries overload and gateway answers only", () => {
    for (const s of [429, 500, 502, 503, 504, 524]) expect(isRetryableStatus(s), String(s)).toBe(true);
    for (const s of [200, 400, 401, 403, 404, 409, 413, 501, 520]) expect(isRetryableStatus(s), String(s)).toBe(false);
  });
});

describe("resolveRetryPolicy", () => {
  it("layers defaults, client and request options; false means one try", () => {
    expect(resolveRetryPolicy(undefined, undefined)).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy({ maxAttempts: 3, baseDelayMs: 5 }, { baseDelayMs: 7 })).toEqual({ ...DEFAULT_RETRY_POLICY, maxAttempts: 3, baseDelayMs: 7 });
    expect(resolveRetryPolicy({ maxAttempts: 3 }, false).maxAttempts).toBe(1);
    expect(resolveRetryPolicy({ maxAttempts: 3 }, { maxAttempts: undefined }).maxAttempts).toBe(3);
    // The transport settings' retry is the base the client and request layers apply to.
    const base = { ...DEFAULT_RETRY_POLICY, maxAttempts: 9, gatewayDelayMs: 1 };
    expect(resolveRetryPolicy({ baseDelayMs: 2 }, undefined, base)).toEqual({ ...base, baseDelayMs: 2 });
  });
  it("rejects nonsense values", () => {
    expect(() => resolveRetryPolicy({ maxAttempts: 0 }, undefined)).toThrow(/maxAttempts/);
    expect(() => resolveRetryPolicy({ baseDelayMs: -1 }, undefined)).toThrow(/baseDelayMs/);
    expect(() => resolveRetryPolicy({ freeGatewayRetries: 1.5 }, undefined)).toThrow(/freeGatewayRetries/);
  });
});
