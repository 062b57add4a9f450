import { describe, expect, it } from "vitest";
import { budgetKey, parseRateLimit, parseRateLimitPolicy, sharedBudget } from "../../src/cloudflare/index.js";

describe("parseRateLimit", () => {
  it("reads Cloudflare's documented form", () => {
    expect(parseRateLimit('"default";r=1150;t=287')).toEqual({ remaining: 1150, resetMs: 287_000 });
    expect(parseRateLimit("default;t=0;r=0")).toEqual({ remaining: 0, resetMs: 0 });
  });

  it("takes the most restrictive of several listed policies", () => {
    expect(parseRateLimit('"burst";r=50;t=10, "daily";r=7;t=3600')).toEqual({ remaining: 7, resetMs: 3_600_000 });
  });

  it("tolerates absence and ignores malformed items", () => {
    for (const bad of [undefined, "", "garbage", '"default";r=abc;t=5', '"default";r=5', '"default";r=-1;t=5', '"default";r=1.5;t=5', '"x;r=1;t=2']) {
      expect(parseRateLimit(bad), String(bad)).toBeUndefined();
    }
    expect(parseRateLimit('"bad";r=x;t=1, "good";r=3;t=4')).toEqual({ remaining: 3, resetMs: 4000 });
  });
});

describe("parseRateLimitPolicy", () => {
  it("reads every usable quota/window pair", () => {
    expect(parseRateLimitPolicy('"burst";q=1200;w=300')).toEqual([{ quota: 1200, windowMs: 300_000 }]);
    expect(parseRateLimitPolicy('"a";q=60;w=10, "b";q=0;w=10, "c";q=5')).toEqual([{ quota: 60, windowMs: 10_000 }]);
    expect(parseRateLimitPolicy(undefined)).toEqual([]);
  });
});

describe("the process-wide budget registry", () => {
  it("keys by origin and a hash of the credential, never the credential itself", () => {
    const token = "tok_registry_0123456789abcdefghijklmnop";
    const key = budgetKey("https://api.example.test", { apiToken: token });
    expect(key).toMatch(/^https:\/\/api\.example\.test#[0-9a-f]{32}$/);
    expect(key).not.toContain(token);
    expect(budgetKey("https://api.example.test", { apiToken: token })).toBe(key);
    expect(budgetKey("https://api.example.test", { apiToken: `${token}x` })).not.toBe(key);
    expect(budgetKey("http://127.0.0.1:1", { apiToken: token })).not.toBe(key);
    expect(budgetKey("https://api.example.test", { apiKey: token, email: "a@b.test" })).not.toBe(key);
    expect(budgetKey("https://api.example.test", undefined)).toBe("https://api.example.test#anonymous");
  });

  it("hands every caller of one key the same budget, with the latest settings", () => {
    const key = budgetKey("https://registry.example.test", { apiToken: "registry-test-token" });
    const first = sharedBudget(key, { limit: 10, windowMs: 1000, reserve: { calls: 0 }, perSecond: undefined, countUploadCalls: true });
    const second = sharedBudget(key, { limit: 20, windowMs: 1000, reserve: { calls: 0 }, perSecond: undefined, countUploadCalls: false });
    expect(second).toBe(first);
    expect(first.describe()).toBe("20 calls per 1 s");
    expect(first.countsUploadCalls).toBe(false);
    expect(sharedBudget(budgetKey("https://other.example.test", { apiToken: "registry-test-token" }), undefined)).not.toBe(first);
  });
});
