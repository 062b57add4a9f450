import { describe, expect, it } from "vitest";
import { isJwtExpiring, readJwtClaims } from "../../src/deploy/index.js";
import { runPool } from "../../src/deploy/pool.js";
import { renewalMarginSeconds } from "../../src/deploy/jwt.js";

const jwt = (claims: object): string =>
  `${Buffer.from('{"alg":"HS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;

describe("readJwtClaims", () => {
  it("reads exp and the per-file upload claims", () => {
    expect(readJwtClaims(jwt({ exp: 100, wrangler_single_asset_uploads: true, edge_kv_upload_concurrency: 7.9 }))).toEqual({
      exp: 100,
      perFileUploads: true,
      perFileConcurrency: 7,
    });
  });

  it("treats an undecodable token as one without claims", () => {
    expect(readJwtClaims("not-a-jwt")).toEqual({});
    expect(readJwtClaims("a.%%%.c")).toEqual({});
    expect(isJwtExpiring("not-a-jwt", Date.now())).toBe(false);
  });

  it("expires with a margin", () => {
    const token = jwt({ exp: 1000 });
    expect(isJwtExpiring(token, 900_000)).toBe(false);
    expect(isJwtExpiring(token, 900_000, 200)).toBe(true);
    expect(isJwtExpiring(token, 1_000_000)).toBe(true);
  });
});

describe("renewalMarginSeconds", () => {
  it("keeps the preferred margin for long-lived tokens", () => {
    expect(renewalMarginSeconds(jwt({ exp: 4600 }), 1_000_000, 30)).toBe(30);
  });

  it("shrinks to half the remaining life for short-lived tokens, so they remain usable", () => {
    const token = jwt({ exp: 1010 });
    const margin = renewalMarginSeconds(token, 1_000_000, 30);
    expect(margin).toBe(5);
    expect(isJwtExpiring(token, 1_000_000, margin)).toBe(false);
  });

  it("is the preferred margin when expiry is unknown, and never negative", () => {
    expect(renewalMarginSeconds("not-a-jwt", 0, 30)).toBe(30);
    expect(renewalMarginSeconds(jwt({ exp: 10 }), 1_000_000, 30)).toBe(0);
  });
});

describe("runPool", () => {
  it("never exceeds the limit, and follows a lowered limit", async () => {
    let active = 0;
    let peakBefore = 0;
    let peakAfter = 0;
    let limit = 3;
    await runPool([...Array(12).keys()], () => limit, async (i) => {
      active++;
      if (i < 6) peakBefore = Math.max(peakBefore, active);
      else peakAfter = Math.max(peakAfter, active);
      await new Promise((r) => setTimeout(r, 5));
      if (i === 3) limit = 1;
      active--;
    });
    expect(peakBefore).toBe(3);
    expect(peakAfter).toBe(1);
  });

  it("waits for in-flight work, then throws the first error", async () => {
    const finished: number[] = [];
    await expect(
      runPool([0, 1, 2, 3, 4], () => 2, async (i) => {
        await new Promise((r) => setTimeout(r, i === 0 ? 1 : 20));
        if (i === 0) throw new Error("first");
        finished.push(i);
      }),
    ).rejects.toThrow("first");
    expect(finished).toEqual([1]);
  });
});
