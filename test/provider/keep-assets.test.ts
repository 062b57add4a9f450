/**
 * The provider's updates with `keep_assets`: the plan (plan.ts `decideAssets`, pure) keeps the live version's files only
 * when they are surely the declared ones, and such an update (lifecycle.ts) is one script PUT after the look that every
 * update makes — no upload session, no read of the site folder — while the site keeps serving its files under the new
 * code. Anything else uploads.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { CloudflareClient, routes } from "../../src/cloudflare/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { hashAssetBytes } from "../../src/manifest/index.js";
import { sha256Hex } from "../../src/provider/canonical.js";
import type { ProviderOutputs } from "../../src/provider/inputs.js";
import { create, read, update } from "../../src/provider/lifecycle.js";
import { clearSnapshots } from "../../src/provider/namespace-snapshots.js";
import { decideAssets, manifestInputDigest } from "../../src/provider/plan.js";
import { fetchSite } from "../fixtures/emulator.mjs";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "keep-assets-token-5e1f";
const NS = "kept";

describe("decideAssets", () => {
  const manifest = { "/index.html": "a".repeat(32) };
  const olds: Partial<ProviderOutputs> = { manifestDigest: manifestInputDigest(manifest), hasAssets: true };

  it("keeps the files when the manifest is the deployed one and the live script is still that deploy", () => {
    expect(decideAssets(olds, { manifest }, true)).toEqual({ keep: true });
  });

  it.each([
    ["files changed", olds, { "/index.html": "b".repeat(32) }, true],
    ["files changed", olds, { ...manifest, "/new.html": "c".repeat(32) }, true],
    ["the live script has no assets", { ...olds, hasAssets: false }, manifest, true],
    ["a refresh saw another deploy of the script", { ...olds, deployedModifiedOn: "2026-01-01T00:00:00.000Z" }, manifest, true],
    ["a refresh saw another deploy of the script", { ...olds, deployedEtag: "e" }, manifest, true],
    ["the script changed since this resource deployed it", olds, manifest, false],
  ] as const)("uploads when %s", (reason, previous, next, liveUnchanged) => {
    expect(decideAssets(previous, { manifest: next }, liveUnchanged)).toEqual({ keep: false, reason });
  });
});

let emulator: RunningEmulator;
let root: string;
let origin: string;
const overrides = () => ({ apiToken: TOKEN, baseUrl: emulator.url });
const quiet = (): void => {};

async function calls(): Promise<Record<string, number>> {
  return { ...(await emulator.stats()).accounts[ACCOUNT]!.requests };
}
function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).filter(([route, n]) => n > (before[route] ?? 0)).map(([route, n]) => [route, n - (before[route] ?? 0)]));
}

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [TOKEN] });
  origin = new URL(emulator.url).origin;
  const api = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: TOKEN } });
  await api.request({ method: "POST", path: routes.namespacesPath(ACCOUNT), json: { name: NS }, schema: z.unknown() });
  await api.close();
  root = await mkdtemp(path.join(os.tmpdir(), "wfp-keep-assets-"));
});
afterAll(async () => {
  await emulator?.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => clearSnapshots());

const FILES = { "index.html": "<h1>kept site</h1>", "404.html": "<h1>not here</h1>" };

async function writeSite(name: string, files: Record<string, string> = FILES): Promise<Record<string, string>> {
  const manifest: Record<string, string> = {};
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name, rel)), { recursive: true });
    await writeFile(path.join(root, name, rel), content);
    manifest[`/${rel}`] = hashAssetBytes(Buffer.from(content), path.extname(rel).slice(1));
  }
  return manifest;
}

function workerOf(version: string) {
  const content = `export default { fetch(request, env) {
    return new URL(request.url).pathname === "/version" ? new Response("${version}") : env.ASSETS.fetch(request);
  } };`;
  return { mainModule: "index.js", modules: [{ name: "index.js", content, sha256: sha256Hex(content) }], compatibilityDate: "2025-06-01", assetsBinding: "ASSETS" };
}

function inputsOf(name: string, manifest: Record<string, string>, changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { accountId: ACCOUNT, namespace: NS, scriptName: name, directory: name, workDir: root, manifest, worker: workerOf("v1"), owner: "keep/test", providerVersion: "test", ...changes };
}

describe.each([
  { route: "namespace", namespace: NS as string | undefined, look: { "GET namespace-scripts": 1 }, put: "PUT namespace-script", session: "POST namespace-assets-upload-session" },
  { route: "account", namespace: undefined, look: { "GET account-scripts": 1 }, put: "PUT account-script", session: "POST account-assets-upload-session" },
])("an update of a $route script", ({ route, namespace, look, put, session }) => {
  const site = { namespace, script: `code-only-${route}` };

  it("that changes only code and config is the look plus one PUT, without the site folder, and serves the new code", async () => {
    const manifest = await writeSite(site.script);
    const { outs } = await create(inputsOf(site.script, manifest, { namespace }), overrides(), quiet);
    expect((await fetchSite(origin, site, "/version")).body).toBe("v1");

    await rm(path.join(root, site.script), { recursive: true });
    clearSnapshots(); // a later `pulumi up`, in a new provider process
    const lines: string[] = [];
    const before = await calls();
    const next = inputsOf(site.script, manifest, { namespace, worker: workerOf("v2"), assetConfig: { notFoundHandling: "404-page" } });
    const updated = await update(outs, next, overrides(), (line) => lines.push(line));
    expect(delta(await calls(), before)).toEqual({ ...look, [put]: 1 });
    expect(updated.outs).toMatchObject({ fileCount: 2, totalBytes: outs.totalBytes, uploadedFiles: 0, manifestDigest: outs.manifestDigest, hasAssets: true });
    expect(lines.join("\n")).toMatch(/keeping its 2 files \(files unchanged: keep_assets, no upload\)/);

    expect((await fetchSite(origin, site, "/version")).body).toBe("v2");
    expect(await fetchSite(origin, site, "/")).toMatchObject({ status: 200, body: "<h1>kept site</h1>" });
    expect(await fetchSite(origin, site, "/nowhere")).toMatchObject({ status: 404, body: "<h1>not here</h1>" });
    // Only the settings changed: the next update with changed files goes back to uploading.
    const changed = await writeSite(site.script, { ...FILES, "index.html": "<h1>new files</h1>" });
    clearSnapshots();
    const beforeFiles = await calls();
    const withFiles = await update(updated.outs, { ...next, manifest: changed }, overrides(), quiet);
    expect(delta(await calls(), beforeFiles)).toMatchObject({ [session]: 1, [put]: 1 });
    expect(withFiles.outs.uploadedFiles).toBe(1);
    expect((await fetchSite(origin, site, "/")).body).toBe("<h1>new files</h1>");
  });
});

describe("an update after someone else deployed the script", () => {
  it("uploads the declared files again instead of keeping theirs", async () => {
    const manifest = await writeSite("drifted");
    const { outs } = await create(inputsOf("drifted", manifest), overrides(), quiet);
    // Another client replaces the files (a hand deploy), then refresh records the drift.
    const other = await writeSite("by-hand", { "index.html": "<h1>by hand</h1>" });
    const { outs: handOuts } = await create(inputsOf("drifted", other, { directory: "by-hand" }), overrides(), quiet);
    expect(handOuts.modifiedOn).not.toBe(outs.modifiedOn);
    clearSnapshots();
    const refreshed = (await read(`${ACCOUNT}/${NS}/drifted`, outs, overrides())).props!;
    expect(refreshed.deployedModifiedOn).toBe(outs.modifiedOn);

    const before = await calls();
    await update(refreshed, inputsOf("drifted", manifest, { worker: workerOf("v2") }), overrides(), quiet);
    expect(delta(await calls(), before)).toHaveProperty(["POST namespace-assets-upload-session"], 1);
    expect((await fetchSite(origin, { namespace: NS, script: "drifted" }, "/")).body).toBe("<h1>kept site</h1>");
    expect((await fetchSite(origin, { namespace: NS, script: "drifted" }, "/version")).body).toBe("v2");
  });
});
