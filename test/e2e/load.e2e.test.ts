/**
 * Load through the real CLI: one stack of 200 tenants (5–20 small files each, some files shared by many tenants)
 * in one dispatch namespace, deployed with `pulumi up --parallel 16`. Every tenant must be live with exactly its
 * files, every stored blob must re-hash to its key, and the emulator's counters must agree with what the
 * providers reported. A second `up` changes nothing; `destroy` removes all 200.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreStats } from "../../src/emulator/index.js";
import { buildManifest, hashAssetBytes, type AssetFile, type BuiltManifest } from "../../src/manifest/index.js";
import { ACCOUNT, API_TOKEN, startHarness, storeReader, type Harness } from "../reliability/harness.js";
import { guardSecrets, PulumiProject, pulumiBinDir } from "./pulumi-project.js";

const TENANTS = 200;
const PARALLEL = "16";
const NAMESPACE = "tenants";
const EXTENSIONS = ["html", "css", "js", "txt", "svg"] as const;

const PROGRAM = `
import { readdirSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { UserWorkerAssets } from "pulumi-wfp-assets";

const config = new pulumi.Config("load");
const accountId = config.require("accountId");
const sites = readdirSync("tenants").sort().map(
  (name) => new UserWorkerAssets(name, { accountId, namespace: "${NAMESPACE}", scriptName: name, directory: \`tenants/\${name}\` }),
);
export const tenantCount = sites.length;
`;

let h: Harness;
let project: PulumiProject;
const tenants = new Map<string, BuiltManifest>();

const tenantName = (i: number): string => `tenant-${String(i).padStart(3, "0")}`;

/** 5–20 files of the tenant's own, plus 1–3 of the files every tenant has byte for byte. */
function tenantFiles(i: number): Record<string, string> {
  const files: Record<string, string> = {};
  const own = 5 + ((i * 7) % 16);
  for (let k = 0; k < own; k++) {
    const ext = EXTENSIONS[k % EXTENSIONS.length]!;
    files[`${k % 3 === 0 ? "" : "assets/"}file-${k}.${ext}`] = `${tenantName(i)} file ${k} `.repeat(1 + ((i + k) % 40));
  }
  for (let j = 0; j <= i % 3; j++) files[`shared/common-${j}.css`] = `.common-${j} { margin: ${j}px; }\n`.repeat(20);
  return files;
}

async function storeStats(): Promise<StoreStats> {
  return (await h.emu.stats()).accounts[ACCOUNT]!.stores[`namespace:${NAMESPACE}`]!;
}

async function liveScripts() {
  return (await h.emu.stats()).accounts[ACCOUNT]!.namespaces[NAMESPACE]?.scripts ?? {};
}

beforeAll(async () => {
  await pulumiBinDir();
  h = await startHarness();
  await h.createNamespace(NAMESPACE);
  const files: Record<string, string> = {};
  for (let i = 0; i < TENANTS; i++) {
    for (const [path, content] of Object.entries(tenantFiles(i))) files[`tenants/${tenantName(i)}/${path}`] = content;
  }
  project = await PulumiProject.create({ name: "wfp-load", program: PROGRAM, files, env: { CLOUDFLARE_API_BASE_URL: h.emu.url } });
  project.secrets.add(API_TOKEN);
  await project.initStack("dev", { "load:accountId": ACCOUNT }, { "cloudflare:apiToken": API_TOKEN });
  for (let i = 0; i < TENANTS; i++) tenants.set(tenantName(i), await buildManifest(join(project.dir, "tenants", tenantName(i))));
}, 10 * 60_000);

afterAll(async () => {
  await project?.dispose();
  await h?.close();
});

describe(`${TENANTS} tenants in one stack, pulumi up --parallel ${PARALLEL}`, { timeout: 900_000 }, () => {
  guardSecrets(() => [project]);

  it("deploys every tenant with exactly its files", async () => {
    const up = await project.ok(["up", "--yes", "--parallel", PARALLEL]);
    expect(up.output).toMatch(new RegExp(`\\+ ${TENANTS + 1} created`));
    const scripts = await liveScripts();
    expect(Object.keys(scripts).sort()).toEqual([...tenants.keys()]);
    for (const [name, built] of tenants) {
      expect(scripts[name]!.manifest, name).toEqual(built.manifest);
      expect(scripts[name]!.hasAssets).toBe(true);
      expect(scripts[name]!.puts).toBe(1);
    }
  });

  it("every stored blob re-hashes to its key, and the counters agree with what the providers reported", async () => {
    const filesByHash = new Map<string, { file: AssetFile; tenants: number }>();
    for (const built of tenants.values()) {
      for (const hash of new Set(built.files.map((f) => f.hash))) {
        const seen = filesByHash.get(hash);
        filesByHash.set(hash, { file: seen?.file ?? built.files.find((f) => f.hash === hash)!, tenants: (seen?.tenants ?? 0) + 1 });
      }
    }
    const shared = [...filesByHash.values()].filter((entry) => entry.tenants > 1);
    expect(shared.length, "the fixture does share files").toBeGreaterThanOrEqual(3);

    const store = await storeStats();
    expect(Object.keys(store.perHash).sort()).toEqual([...filesByHash.keys()].sort());
    expect(store.blobs).toBe(filesByHash.size);
    const uploads = Object.values(store.perHash);
    expect(uploads.reduce((a, b) => a + b, 0)).toBe(store.filesUploaded);
    for (const [hash, count] of Object.entries(store.perHash)) {
      // Two tenants whose sessions opened before either sent a shared file both send it; nothing else repeats.
      expect(count, hash).toBeGreaterThanOrEqual(1);
      expect(count, hash).toBeLessThanOrEqual(filesByHash.get(hash)!.tenants);
    }

    // What the providers reported (their `uploadedFiles` outputs) adds up to what the emulator counted.
    const { dev } = await project.checkStateForSecrets();
    const reported = (dev!.resources ?? [])
      .filter((r) => r.type.endsWith("UserWorkerAssets"))
      .reduce((n, r) => n + Number(r.outputs?.uploadedFiles), 0);
    expect(reported).toBe(store.filesUploaded);

    const { store: blobs, scope } = await storeReader(h, { accountId: ACCOUNT, namespace: NAMESPACE, scriptName: tenantName(0) });
    for (const [hash, { file }] of filesByHash) {
      const blob = await blobs.read(scope, hash);
      expect(blob, `blob ${hash} is stored`).toBeDefined();
      const chunks: Buffer[] = [];
      for await (const chunk of blob!.stream) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      expect(hashAssetBytes(bytes, file.extension), `${file.key} re-hashes to its key`).toBe(hash);
      expect(bytes.equals(await readFile(file.absolutePath)), `${file.key} is stored byte for byte`).toBe(true);
    }
  });

  it("a second up changes nothing", async () => {
    const before = (await h.emu.stats()).accounts[ACCOUNT]!.requests;
    const again = await project.ok(["up", "--yes", "--parallel", PARALLEL]);
    expect(again.output).toMatch(new RegExp(`${TENANTS + 1} unchanged`));
    expect((await h.emu.stats()).accounts[ACCOUNT]!.requests, "no API request at all").toEqual(before);
    for (const script of Object.values(await liveScripts())) expect(script.puts).toBe(1);
  });

  it("destroy removes all of them", async () => {
    const destroy = await project.ok(["destroy", "--yes", "--parallel", PARALLEL]);
    expect(destroy.output).toMatch(new RegExp(`- ${TENANTS + 1} deleted`));
    expect(await liveScripts()).toEqual({});
  });
});
