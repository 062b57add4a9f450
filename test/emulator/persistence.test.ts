import { access, readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DataDirLockedError, startEmulator } from "../../src/emulator/index.js";
import { ACCOUNT, TOKEN, TestClient, WORKER_JS, asset, jwtPayload, manifestOf, start, tempDir } from "./helpers.js";

const exists = (p: string) => access(p).then(() => true, () => false);

describe("persistence", () => {
  it("keeps namespaces, scripts, assets and JWT validity across a restart with the same data dir", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const assets = { "/index.html": asset("<p>persist</p>", "html", "text/html"), "/a.txt": asset("persisted a") };
      const extra = asset("uploaded after restart");
      let pendingJwt: string;
      let etag: string;
      {
        const { emu, client } = await start({ dataDir: dir });
        await client.createNamespace("kept");
        const jwt = await client.uploadAll({ namespace: "kept" }, "site", assets);
        const put = await client.putScript({ namespace: "kept" }, "site", { main_module: "index.js", bindings: [{ name: "ASSETS", type: "assets" }], tags: ["t1"], assets: { jwt, config: { html_handling: "none" } } }, [{ name: "index.js", content: WORKER_JS }]);
        etag = put.body.result.etag;
        // an upload session opened before the restart and finished after it
        const pending = await client.session({ namespace: "kept" }, "later", manifestOf({ "/x.txt": extra }));
        pendingJwt = pending.body.result!.jwt;
        await emu.close();
      }
      {
        const { emu, client } = await start({ dataDir: dir });
        const ns = await client.call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/kept`);
        expect(ns.status).toBe(200);
        const script = await client.call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/kept/scripts/site`);
        expect(script.body.result.script).toMatchObject({ etag, has_assets: true, tags: ["t1"] });
        const content = await client.call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/kept/scripts/site/content`);
        expect(content.text).toContain(WORKER_JS);
        const stats = (await emu.stats()).accounts[ACCOUNT]!;
        expect(stats.namespaces.kept!.scripts.site!.manifest).toEqual(manifestOf(assets));
        expect(stats.stores["namespace:kept"]!.blobs).toBe(2);
        // counters are per process
        expect(stats.stores["namespace:kept"]!.filesUploaded).toBe(0);
        // dedup survives: nothing to upload again
        const again = await client.session({ namespace: "kept" }, "site", manifestOf(assets));
        expect(again.body.result!.buckets).toEqual([]);
        // the pre-restart upload JWT still works (same signing key, session persisted)
        const done = await client.upload(pendingJwt, [extra]);
        expect(done.status).toBe(201);
        expect(jwtPayload(done.body.result.jwt!).script).toBe("later");
        await emu.close();
      }
      expect(await exists(path.join(dir, "state.json"))).toBe(true);
      expect(await exists(path.join(dir, "emulator.lock"))).toBe(false);
    } finally {
      await cleanup();
    }
  });

  it("remembers spent completion JWTs across a restart", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      let jwt: string;
      {
        const { emu, client } = await start({ dataDir: dir });
        await client.createNamespace("n");
        jwt = await client.uploadAll({ namespace: "n" }, "s", { "/a": asset("spent") });
        expect((await client.putScript({ namespace: "n" }, "s", { assets: { jwt } })).status).toBe(200);
        await emu.close();
      }
      const { emu, client } = await start({ dataDir: dir });
      expect((await client.putScript({ namespace: "n" }, "s", { assets: { jwt } })).status).toBe(400);
      await emu.close();
    } finally {
      await cleanup();
    }
  });

  it("uses a temporary data dir without --data and removes it on close", async () => {
    const { emu, client } = await start();
    await client.createNamespace("tmp");
    const dir = emu.dataDir;
    expect(await exists(path.join(dir, "state.json"))).toBe(true);
    await emu.close();
    expect(await exists(dir)).toBe(false);
  });

  it("refuses a second emulator on the same data dir while the first runs", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const first = await startEmulator({ dataDir: dir, tokens: [TOKEN], log: () => {} });
      await expect(startEmulator({ dataDir: dir, tokens: [TOKEN], log: () => {} })).rejects.toBeInstanceOf(DataDirLockedError);
      await first.close();
      const second = await startEmulator({ dataDir: dir, tokens: [TOKEN], log: () => {} });
      await second.close();
    } finally {
      await cleanup();
    }
  });

  it("keeps state consistent under many concurrent requests", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const { emu, client } = await start({ dataDir: dir, maxBucketFiles: 5 });
      await Promise.all(["c1", "c2", "c3"].map((n) => client.createNamespace(n)));
      const sites = ["c1", "c2", "c3"].flatMap((ns) =>
        [1, 2, 3, 4].map((i) => ({ ns, script: `s${i}`, assets: Object.fromEntries(Array.from({ length: 12 }, (_, k) => [`/f${k}.txt`, asset(`${ns}-${i % 2}-${k}`)])) })),
      );
      const results = await Promise.all(
        sites.map(async ({ ns, script, assets }) => {
          const jwt = await client.uploadAll({ namespace: ns }, script, assets);
          return client.putScript({ namespace: ns }, script, { assets: { jwt } });
        }),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
      await emu.close();
      const reopened = await startEmulator({ dataDir: dir, tokens: [TOKEN], log: () => {} });
      const stats = (await reopened.stats()).accounts[ACCOUNT]!;
      for (const { ns, script, assets } of sites) expect(stats.namespaces[ns]!.scripts[script]!.manifest).toEqual(manifestOf(assets));
      // two distinct asset sets per namespace (i % 2), 12 files each
      for (const ns of ["c1", "c2", "c3"]) expect(stats.stores[`namespace:${ns}`]!.blobs).toBe(24);
      expect(await readdir(path.join(dir, "tmp"))).toEqual([]);
      await reopened.close();
    } finally {
      await cleanup();
    }
  });
});

describe("startEmulator options", () => {
  it("refuses a non-loopback host unless allowRemote is set", async () => {
    await expect(startEmulator({ host: "0.0.0.0" })).rejects.toThrow(/allow-remote/);
  });

  it("refuses invalid options and fault specs with clear errors", async () => {
    await expect(startEmulator({ port: -1 })).rejects.toThrow(/port/);
    await expect(startEmulator({ tokens: [{ token: "t", accounts: ["not-an-account"] }] })).rejects.toThrow(/account ids/);
    await expect(startEmulator({ faults: "upload=teapot" })).rejects.toThrow(/unknown action "teapot"/);
  });

  it("reports url, origin, port and tokens", async () => {
    const emu = await startEmulator({ tokens: ["a-token", { token: "b-token", accounts: [ACCOUNT] }], log: () => {} });
    try {
      expect(emu.url).toBe(`http://127.0.0.1:${emu.port}/client/v4`);
      expect(emu.origin).toBe(`http://127.0.0.1:${emu.port}`);
      expect(emu.tokens).toEqual(["a-token", "b-token"]);
      expect((await new TestClient(emu, "b-token").call("GET", `/accounts/${ACCOUNT}/workers/scripts`)).status).toBe(200);
    } finally {
      await emu.close();
    }
  });
});
