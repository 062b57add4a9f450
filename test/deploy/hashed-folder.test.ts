/**
 * A hashed folder (src/deploy/hashed-folder.ts): the deploy takes a folder with its `/path → hash` map as a Pulumi
 * program recorded it (JSON text or a map), builds the file list where it runs, and deploys exactly those files.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assetsFromHashedFolder, deployAssets, DeployError } from "../../src/deploy/index.js";
import { buildManifest } from "../../src/manifest/index.js";
import { fetchSite } from "../fixtures/emulator.mjs";
import { writeTree } from "../fixtures/sites.mjs";
import { ACCOUNT, expectSiteLive, startHarness, type Harness } from "../reliability/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.createNamespace("hashed");
});
afterAll(() => h?.close());

describe("a hashed folder", () => {
  it("deploys the listed files, resolved against its base, from the JSON text of its hashes", async () => {
    const dir = join(h.root, "hashed-site");
    await writeTree(dir, { "index.html": "<h1>hashed</h1>", "css/a.css": "a{}", "not-listed.txt": "left out" });
    const built = await buildManifest(dir, { ignore: ["not-listed.txt"] });
    const hashes = JSON.stringify(Object.fromEntries(built.files.map((f) => [f.key, f.hash])));
    const target = { accountId: ACCOUNT, namespace: "hashed", scriptName: "hashed-site" };
    const result = await deployAssets(h.client(), { target, assets: { directory: "hashed-site", base: h.root, hashes } });
    expect(result).toMatchObject({ fileCount: 2, uploadedFiles: 2, totalBytes: built.totalBytes, keptAssets: false });
    await expectSiteLive(h, target, built);
    expect((await fetchSite(new URL(h.emu.url).origin, { namespace: "hashed", script: "hashed-site" }, "/not-listed.txt")).status).toBe(404);
  });

  it("fails naming a listed file that is gone, before any call", async () => {
    const dir = join(h.root, "gone-site");
    await writeTree(dir, { "index.html": "x" });
    const hashes = { "/index.html": (await buildManifest(dir)).manifest["/index.html"]!.hash };
    await rm(join(dir, "index.html"));
    const error = await assetsFromHashedFolder({ directory: dir, hashes }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect((error as Error).message).toMatch(/The asset \/index\.html .* is gone since the program listed it \(ENOENT\)/);
  });
});
