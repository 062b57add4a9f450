/**
 * `keep_assets` in the deploy flow (src/deploy/deploy.ts): an update that changes only worker code, bindings, settings
 * or the asset config keeps the live version's files — one script PUT, no upload session, no file read — and the site
 * then serves the same files with the new code and config. Checked on both route families, against the emulator's
 * request counters and what a visitor of the site gets.
 */
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployAssets, type DeployEvent, type WorkerSpec } from "../../src/deploy/index.js";
import { fetchSite } from "../fixtures/emulator.mjs";
import { writeTree } from "../fixtures/sites.mjs";
import { buildManifest } from "../../src/manifest/index.js";
import { ACCOUNT, scriptStats, startHarness, type Harness } from "../reliability/harness.js";
import { join } from "node:path";

let h: Harness;
let origin: string;

beforeAll(async () => {
  h = await startHarness();
  origin = new URL(h.emu.url).origin;
  await h.createNamespace("keep");
});
afterAll(() => h?.close());

const worker = (version: string, bindings: WorkerSpec["bindings"] = []): WorkerSpec => ({
  mainModule: "index.js",
  modules: [
    {
      name: "index.js",
      content: `export default { async fetch(request, env) {
        const url = new URL(request.url);
        if (url.pathname.startsWith("/api/")) return new Response("${version} " + (env.GREETING ?? "-"));
        return env.ASSETS.fetch(request);
      } };`,
    },
  ],
  compatibilityDate: "2025-06-01",
  assetsBinding: "ASSETS",
  bindings,
});

async function requests(): Promise<Record<string, number>> {
  return { ...(await h.emu.stats()).accounts[ACCOUNT]!.requests };
}
function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).filter(([route, n]) => n > (before[route] ?? 0)).map(([route, n]) => [route, n - (before[route] ?? 0)]));
}

describe.each([
  { route: "namespace", namespace: "keep" as string | undefined, put: "PUT namespace-script" },
  { route: "account", namespace: undefined, put: "PUT account-script" },
])("an update that keeps the files, on the $route route", ({ route, namespace, put }) => {
  it("is one script PUT, reads no file, and the site serves the same files with the new code and config", async () => {
    const target = { accountId: ACCOUNT, namespace, scriptName: `kept-${route}` };
    const dir = join(h.root, `kept-${route}`);
    await writeTree(dir, { "index.html": "<h1>kept</h1>", "404.html": "<h1>gone</h1>", "css/site.css": "body{color:red}" });
    const built = await buildManifest(dir);
    const client = h.client();
    const first = await deployAssets(client, { target, assets: built, worker: worker("v1"), assetConfig: { htmlHandling: "auto-trailing-slash" } });
    expect(first).toMatchObject({ uploadedFiles: 3, sessions: 1, keptAssets: false });
    expect((await fetchSite(origin, { namespace, script: target.scriptName }, "/missing")).status).toBe(404);
    expect((await fetchSite(origin, { namespace, script: target.scriptName }, "/api/x")).body).toBe("v1 -");

    // The folder is gone: a deploy that read any file for an upload would fail.
    await rm(dir, { recursive: true });
    const before = await requests();
    const events: DeployEvent[] = [];
    const kept = await deployAssets(
      client,
      {
        target,
        assets: { keep: true, fileCount: built.fileCount, totalBytes: built.totalBytes },
        worker: worker("v2", [{ type: "plain_text", name: "GREETING", text: "hello" }]),
        assetConfig: { htmlHandling: "auto-trailing-slash", notFoundHandling: "404-page" },
      },
      { onProgress: (e) => events.push(e) },
    );
    expect(delta(await requests(), before)).toEqual({ [put]: 1 });
    expect(kept).toMatchObject({ keptAssets: true, sessions: 0, buckets: 0, uploadedFiles: 0, cachedFiles: 3, fileCount: 3, totalBytes: built.totalBytes });
    expect(kept.script.hasAssets).toBe(true);
    expect(events.map((e) => e.type)).toEqual(["script", "done"]);
    expect(events[0]).toMatchObject({ keptFiles: 3 });

    const script = scriptStats(await h.emu.stats(), target)!;
    expect(script.manifest).toEqual(built.manifest);
    expect(script.assetConfig).toEqual({ html_handling: "auto-trailing-slash", not_found_handling: "404-page" });
    // A visitor gets the same files, the new code with its new binding, and the new not-found page.
    const page = await fetchSite(origin, { namespace, script: target.scriptName }, "/");
    expect(page).toMatchObject({ status: 200, body: "<h1>kept</h1>" });
    expect((await fetchSite(origin, { namespace, script: target.scriptName }, "/css/site.css")).body).toBe("body{color:red}");
    expect((await fetchSite(origin, { namespace, script: target.scriptName }, "/api/x")).body).toBe("v2 hello");
    const missing = await fetchSite(origin, { namespace, script: target.scriptName }, "/missing");
    expect(missing).toMatchObject({ status: 404, body: "<h1>gone</h1>" });
  });
});

describe("keeping the files of an assets-only worker", () => {
  it("changes only the asset config, in one PUT", async () => {
    const target = { accountId: ACCOUNT, namespace: "keep", scriptName: "kept-static" };
    const dir = join(h.root, "kept-static");
    await writeTree(dir, { "index.html": "<h1>static</h1>", "about.html": "<h1>about</h1>" });
    const built = await buildManifest(dir);
    const client = h.client();
    await deployAssets(client, { target, assets: built, assetConfig: { htmlHandling: "auto-trailing-slash" } });
    expect((await fetchSite(origin, { namespace: "keep", script: "kept-static" }, "/about")).status).toBe(200);

    const before = await requests();
    await deployAssets(client, { target, assets: { keep: true, fileCount: 2, totalBytes: built.totalBytes }, assetConfig: { htmlHandling: "none" } });
    expect(delta(await requests(), before)).toEqual({ "PUT namespace-script": 1 });
    // html_handling "none": /about no longer finds about.html; the file itself is still there.
    expect((await fetchSite(origin, { namespace: "keep", script: "kept-static" }, "/about")).status).toBe(404);
    expect((await fetchSite(origin, { namespace: "keep", script: "kept-static" }, "/about.html")).body).toBe("<h1>about</h1>");
  });
});
