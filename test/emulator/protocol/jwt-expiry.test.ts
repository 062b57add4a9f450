import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { TestClient, asset, jwtPayload, manifestOf, start } from "../helpers.js";

// One-second JWTs: the tests wait for real expiry (the emulator signs with the real clock, as a client sees it).
let emu: RunningEmulator;
let client: TestClient;
beforeAll(async () => {
  ({ emu, client } = await start({ jwtLifetimeSeconds: 1 }));
  await client.createNamespace("exp");
});
afterAll(() => emu.close());

async function waitUntilExpired(jwt: string): Promise<void> {
  const exp = jwtPayload(jwt).exp as number;
  const wait = exp * 1000 - Date.now() + 50;
  if (wait > 0) await sleep(wait);
}

describe("JWT lifetime", () => {
  it("sets exp from the configured lifetime", async () => {
    const res = await client.session({ namespace: "exp" }, "s", manifestOf({ "/a": asset("exp claim") }));
    const { exp, iat } = jwtPayload(res.body.result!.jwt) as { exp: number; iat: number };
    expect(exp - iat).toBeGreaterThanOrEqual(1);
    expect(exp - iat).toBeLessThanOrEqual(3);
  });

  it("refuses an expired upload JWT with 401, and a new session resumes", async () => {
    const a = asset("first half"), b = asset("second half");
    const session = await client.session({ namespace: "exp" }, "resume", manifestOf({ "/a": a, "/b": b }));
    const jwt = session.body.result!.jwt;
    expect((await client.upload(jwt, [a])).status).toBe(202);
    await waitUntilExpired(jwt);
    const expired = await client.upload(jwt, [b]);
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ success: false, result: null, errors: [{ code: 10311 }] });
    const fresh = await client.session({ namespace: "exp" }, "resume", manifestOf({ "/a": a, "/b": b }));
    expect(fresh.body.result!.buckets).toEqual([[b.hash]]);
    expect((await client.upload(fresh.body.result!.jwt, [b])).status).toBe(201);
  });

  it("refuses an expired completion JWT on PUT with 401", async () => {
    const jwt = await client.uploadAll({ namespace: "exp" }, "late", { "/a": asset("late put") });
    await waitUntilExpired(jwt);
    const res = await client.putScript({ namespace: "exp" }, "late", { assets: { jwt } });
    expect(res.status).toBe(401);
    expect(res.body.errors[0].code).toBe(10311);
  });
});

describe("short JWT lifetime as a fault", () => {
  it("overrides the option while the fault spec is set", async () => {
    const { emu: e, client: c } = await start({ jwtLifetimeSeconds: 3600 });
    try {
      await c.createNamespace("n");
      const long = await c.session({ namespace: "n" }, "s", {});
      const p1 = jwtPayload(long.body.result!.jwt) as { exp: number; iat: number };
      expect(p1.exp - p1.iat).toBeGreaterThanOrEqual(3600);
      e.setFaults("jwt=2");
      const short = await c.session({ namespace: "n" }, "s", {});
      const p2 = jwtPayload(short.body.result!.jwt) as { exp: number; iat: number };
      expect(p2.exp - p2.iat).toBeLessThanOrEqual(4);
      e.setFaults(undefined);
      const back = await c.session({ namespace: "n" }, "s", {});
      const p3 = jwtPayload(back.body.result!.jwt) as { exp: number; iat: number };
      expect(p3.exp - p3.iat).toBeGreaterThanOrEqual(3600);
    } finally {
      await e.close();
    }
  });
});
