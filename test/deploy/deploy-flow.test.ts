/**
 * The core flow against the emulator, with no Pulumi in sight: both route families, assets-only and
 * with a module, a first deploy and a repeat deploy that uploads nothing, salted hashes, and a
 * session whose JWT carries the per-file upload claims (we stay in bulk mode, safely).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployAssets, getScript, deleteScript, type DeployEvent } from "../../src/deploy/index.js";
import { buildManifest, type BuiltManifest } from "../../src/manifest/index.js";
import { ACCOUNT, expectSiteLive, startHarness, scriptStats, type Harness } from "../reliability/harness.js";

let h: Harness;

async function site(harness: Harness, name: string, spec: { files: Record<string, string> }): Promise<BuiltManifest> {
  const dir = join(harness.root, name);
  for (const [rel, content] of Object.entries(spec.files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
  return buildManifest(dir);
}

beforeAll(async () => {
  h = await startHarness();
  await h.createNamespace("flow");
});

afterAll(async () => {
  await h?.close();
});

const files = {
  "index.html": "<h1>home</h1>",
  "css/site.css": "body{}",
  "copy/site.css": "body{}", // same bytes and extension: one hash, uploaded once
  "data.json": '{"a":1}',
};

describe.each([
  { route: "namespace", namespace: "flow" as string | undefined },
  { route: "account", namespace: undefined },
])("deployAssets on the $route route", ({ route, namespace }) => {
  it("deploys assets only, then a repeat deploy uploads nothing", async () => {
    const target = { accountId: ACCOUNT, namespace, scriptName: `assets-${route}` };
    const built = await site(h, `assets-${route}`, { files });
    const client = h.client();
    const events: DeployEvent[] = [];
    const first = await deployAssets(client, { target, assets: built, assetConfig: { htmlHandling: "none" } }, { onProgress: (e) => events.push(e) });
    expect(first).toMatchObject({ fileCount: 4, uploadedFiles: 3, cachedFiles: 0, sessions: 1 });
    expect(first.script.hasAssets).toBe(true);
    await expectSiteLive(h, target, built);
    expect(scriptStats(await h.emu.stats(), target)?.hasModules).toBe(false);
    expect(events.map((e) => e.type)).toEqual(["session", "bucket", "script", "done"]);

    const again = await deployAssets(client, { target, assets: built, assetConfig: { htmlHandling: "none" } });
    expect(again).toMatchObject({ uploadedFiles: 0, uploadedBytes: 0, cachedFiles: 4, buckets: 0 });
    expect(again.script.etag).toBe(first.script.etag);
    expect(await getScript(client, target)).toMatchObject({ etag: first.script.etag, hasAssets: true });
  });

  it("deploys a worker module with its assets binding", async () => {
    const target = { accountId: ACCOUNT, namespace, scriptName: `worker-${route}` };
    const built = await site(h, `worker-${route}`, { files: { "index.html": "<h1>w</h1>" } });
    const client = h.client();
    const result = await deployAssets(client, {
      target,
      assets: built,
      worker: {
        mainModule: "index.js",
        modules: [{ name: "index.js", content: "export default { fetch(r, env) { return env.ASSETS.fetch(r) } }" }],
        compatibilityDate: "2025-06-01",
        assetsBinding: "ASSETS",
      },
      assetConfig: { runWorkerFirst: ["/api/*"] },
    });
    expect(result.script).toMatchObject({ hasAssets: true, hasModules: true });
    const live = scriptStats(await h.emu.stats(), target)!;
    expect(live.mainModule).toBe("index.js");
    expect(live.bindings).toContainEqual({ type: "assets", name: "ASSETS" });
    expect(live.assetConfig).toMatchObject({ run_worker_first: ["/api/*"] });

    await deleteScript(client, target);
    expect(await getScript(client, target)).toBeUndefined();
    await deleteScript(client, target); // already gone: still fine
  });
});

describe("hash salt and per-file claims", () => {
  it("uploads salted copies separately from unsalted ones", async () => {
    const built = await site(h, "plain", { files: { "a.txt": "same bytes" } });
    const salted = await buildManifest(built.directory, { hashSalt: "tenant-b" });
    expect(salted.files[0]!.hash).not.toBe(built.files[0]!.hash);
    const client = h.client();
    await deployAssets(client, { target: { accountId: ACCOUNT, namespace: "flow", scriptName: "plain" }, assets: built });
    const result = await deployAssets(client, {
      target: { accountId: ACCOUNT, namespace: "flow", scriptName: "salted" },
      assets: salted,
      hashSalt: "tenant-b",
    });
    expect(result.uploadedFiles).toBe(1);
    await expectSiteLive(h, { accountId: ACCOUNT, namespace: "flow", scriptName: "salted" }, salted, "tenant-b");
  });

  it("stays in bulk mode when the session JWT carries the per-file upload claims", async () => {
    const perFile = await startHarness({ perFileUploads: true });
    try {
      await perFile.createNamespace("pf");
      const built = await site(perFile, "pf", { files });
      const target = { accountId: ACCOUNT, namespace: "pf", scriptName: "pf" };
      const result = await deployAssets(perFile.client(), { target, assets: built });
      expect(result.uploadedFiles).toBe(3);
      await expectSiteLive(perFile, target, built);
      const requests = (await perFile.emu.stats()).accounts[ACCOUNT]!.requests;
      expect(requests["POST /workers/assets/upload"]).toBeGreaterThan(0);
    } finally {
      await perFile.close();
    }
  });
});
