import { describe, expect, it } from "vitest";
import { parseRateLimit, parseRateLimitPolicy } from "../../../src/cloudflare/budget/rate-limit-headers.js";

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
