import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { ACCOUNT, TOKEN, TestClient, asset, manifestOf, start } from "../helpers.js";

/** Cloudflare's API rate limit (docs/cloudflare-api.md §15.1) with small numbers: 10 calls per 2 s per token, then a 3 s block. */

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const list = (client: TestClient) => client.call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces`);

describe("rate limit over HTTP", () => {
  it("answers 429 with Cloudflare's envelope and retry-after once a token goes over, blocks it, and lets it back after the block", async () => {
    const started = await start({ tokens: [TOKEN, "other-token"], rateLimit: { requests: 10, windowSeconds: 2, blockSeconds: 3 } });
    emu = started.emu;
    const { client } = started;
    for (let i = 0; i < 10; i++) {
      const res = await list(client);
      expect(res.status).toBe(200);
      expect(res.headers.get("ratelimit")).toMatch(new RegExp(`^"default";r=${9 - i};t=[12]$`));
      expect(res.headers.get("ratelimit-policy")).toBe('"burst";q=10;w=2');
    }
    const over = await list(client);
    expect(over.status).toBe(429);
    expect(over.body).toEqual({ success: false, errors: [{ code: 971, message: "Please wait and consider throttling your request speed" }], messages: [], result: null });
    expect(over.headers.get("retry-after")).toBe("3");
    expect(over.headers.get("ratelimit")).toBe('"default";r=0;t=3');
    await sleep(2_100); // the window is over, the block is not
    const stillBlocked = await list(client);
    expect(stillBlocked.status).toBe(429);
    expect(Number(stillBlocked.headers.get("retry-after"))).toBe(1);
    // Another token has its own budget.
    expect((await new TestClient(emu, "other-token").call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces`)).status).toBe(200);

    const stats = (await emu.stats()).rateLimit!;
    expect(stats).toMatchObject({ throttled: 2, blocks: 1, policy: { requests: 10, windowSeconds: 2, blockSeconds: 3, countUploads: true } });
    const blocked = Object.values(stats.tokens).find((t) => t.blocks === 1)!;
    expect(blocked).toMatchObject({ throttled: 2, window: { calls: 10 } });
    expect(Date.parse(blocked.blockedUntil!)).toBeGreaterThan(Date.now());
    expect(JSON.stringify(stats)).not.toContain(TOKEN); // identities are HMAC labels, never the token

    await sleep(1_000);
    const back = await list(client);
    expect(back.status).toBe(200);
    expect(back.headers.get("ratelimit")).toBe('"default";r=9;t=2');
  }, 20_000);

  it("counts upload calls against the token that opened the session, unless switched off", async () => {
    for (const countUploads of [true, false]) {
      const started = await start({ rateLimit: { requests: 100, windowSeconds: 60, countUploads } });
      emu = started.emu;
      const { client } = started;
      await client.createNamespace("rl");
      const a = asset(`counted ${countUploads}`);
      const session = await client.session({ namespace: "rl" }, "s", manifestOf({ "/a.txt": a }));
      const upload = await client.upload(session.body.result!.jwt, [a]);
      expect(upload.status).toBe(201);
      expect(upload.headers.has("ratelimit")).toBe(countUploads);
      const tokens = Object.values((await emu.stats()).rateLimit!.tokens);
      expect(tokens).toHaveLength(1);
      expect(tokens[0]!.window.calls).toBe(countUploads ? 3 : 2); // namespace create, session[, upload]
      await emu.close();
      emu = undefined;
    }
  });

  it("limits calls per IP per second when perIpPerSecond is set", async () => {
    const started = await start({ rateLimit: { requests: 1000, perIpPerSecond: 3 } });
    emu = started.emu;
    const statuses: number[] = [];
    // Within one second (retry once if the burst happened to straddle a second boundary).
    for (let attempt = 0; attempt < 2 && !statuses.includes(429); attempt++) {
      statuses.length = 0;
      await sleep(1000 - (Date.now() % 1000) + 20);
      for (let i = 0; i < 5; i++) statuses.push((await list(started.client)).status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect((await emu.stats()).rateLimit!.ipThrottled).toBeGreaterThan(0);
  });

  it("sends no Ratelimit headers and keeps no rate stats when the limit is off", async () => {
    const started = await start();
    emu = started.emu;
    const res = await list(started.client);
    expect(res.headers.has("ratelimit")).toBe(false);
    expect((await emu.stats()).rateLimit).toBeUndefined();
  });
});
