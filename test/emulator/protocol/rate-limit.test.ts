import { describe, expect, it } from "vitest";
import { CLOUDFLARE_RATE_LIMIT, RateLimiter, parseRateLimitSpec } from "../../../src/emulator/protocol/rate-limit.js";

function limiter(overrides: Partial<typeof CLOUDFLARE_RATE_LIMIT> = {}) {
  let now = 1_000_000;
  const rl = new RateLimiter({ ...CLOUDFLARE_RATE_LIMIT, requests: 3, windowSeconds: 10, blockSeconds: 30, ...overrides }, () => now);
  return { rl, advance: (ms: number) => (now += ms) };
}

describe("RateLimiter", () => {
  it("counts calls per token in a fixed window and reports them in the Ratelimit headers", () => {
    const { rl, advance } = limiter();
    expect(rl.checkToken("a")).toEqual({ allowed: true, headers: { ratelimit: '"default";r=2;t=10', "ratelimit-policy": '"burst";q=3;w=10' } });
    advance(4_500);
    expect(rl.checkToken("a").headers.ratelimit).toBe('"default";r=1;t=6');
    expect(rl.checkToken("b").headers.ratelimit).toBe('"default";r=2;t=10'); // every token has its own budget
    advance(6_000); // the window is over
    expect(rl.checkToken("a").headers.ratelimit).toBe('"default";r=2;t=10');
    expect(rl.stats().tokens.a!.history).toEqual([{ start: new Date(1_000_000).toISOString(), calls: 2 }]);
  });

  it("blocks every call of a token that goes over for blockSeconds, with retry-after rounded up", () => {
    const { rl, advance } = limiter();
    for (let i = 0; i < 3; i++) expect(rl.checkToken("a").allowed).toBe(true);
    const over = rl.checkToken("a");
    expect(over).toMatchObject({ allowed: false, retryAfterSeconds: 30, reason: "token" });
    expect(over.headers).toMatchObject({ ratelimit: '"default";r=0;t=30', "retry-after": "30" });
    advance(12_300); // past the window, but still inside the block
    expect(rl.checkToken("a")).toMatchObject({ allowed: false, retryAfterSeconds: 18 });
    expect(rl.checkToken("b").allowed).toBe(true);
    advance(17_700);
    expect(rl.checkToken("a")).toMatchObject({ allowed: true, headers: { ratelimit: '"default";r=2;t=10' } });
    const stats = rl.stats();
    expect(stats).toMatchObject({ throttled: 2, blocks: 1, ipThrottled: 0 });
    expect(stats.tokens.a).toMatchObject({ throttled: 2, blocks: 1, window: { calls: 1, remaining: 2 } });
    expect(stats.tokens.a).not.toHaveProperty("blockedUntil");
  });

  it("limits calls per IP per second when asked", () => {
    const { rl, advance } = limiter({ perIpPerSecond: 2 });
    advance(-(1_000_000 % 1000)); // start on a second boundary
    expect(rl.checkIp("127.0.0.1")?.allowed).toBe(true);
    expect(rl.checkIp("127.0.0.1")?.allowed).toBe(true);
    expect(rl.checkIp("127.0.0.1")).toMatchObject({ allowed: false, retryAfterSeconds: 1, reason: "ip" });
    expect(rl.checkIp("127.0.0.2")?.allowed).toBe(true);
    advance(1_000);
    expect(rl.checkIp("127.0.0.1")?.allowed).toBe(true);
    expect(rl.stats().ipThrottled).toBe(1);
    expect(limiter().rl.checkIp("127.0.0.1")).toBeUndefined();
  });
});

describe("parseRateLimitSpec", () => {
  it.each([
    ["on", {}],
    ["off", undefined],
    ["1200/300", { requests: 1200, windowSeconds: 300 }],
    ["10/2,block=3,uploads=off,ip=200", { requests: 10, windowSeconds: 2, blockSeconds: 3, countUploads: false, perIpPerSecond: 200 }],
    ["on,uploads=on", { countUploads: true }],
  ])("%s", (spec, expected) => {
    expect(parseRateLimitSpec(spec)).toEqual(expected);
  });

  it.each([["sometimes"], ["10/x"], ["10/2,block=soon"], ["off,block=3"], ["10/2,colour=red"]])("refuses %s", (spec) => {
    expect(() => parseRateLimitSpec(spec)).toThrow();
  });
});
