/**
 * The provider's I/O against the emulator, counting API calls: a refresh of many resources costs one namespace listing
 * plus one read per *changed* script, and a cold create of many costs no existence read at all.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { CloudflareClient, routes } from "../../src/cloudflare/index.js";
import { deployAssets } from "../../src/deploy/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { buildManifest, hashAssetBytes } from "../../src/manifest/index.js";
import type { ProviderOutputs } from "../../src/provider/inputs.js";
import { create, read } from "../../src/provider/lifecycle.js";
import { diff } from "../../src/provider/plan.js";
import { clearSnapshots } from "../../src/provider/namespace-snapshots.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "lifecycle-fleet-token-41aa";
const TENANTS = ["t-1", "t-2", "t-3", "t-4", "t-5"];

let emulator: RunningEmulator;
let root: string;
const outputs = new Map<string, ProviderOutputs>();
const overrides = () => ({ apiToken: TOKEN, baseUrl: emulator.url });
const quiet = (): void => {};

async function calls(): Promise<Record<string, number>> {
  return { ...(await emulator.stats()).accounts[ACCOUNT]!.requests };
}
function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [route, n] of Object.entries(after)) if (n - (before[route] ?? 0) > 0) out[route] = n - (before[route] ?? 0);
  return out;
}

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [TOKEN] });
  const api = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: TOKEN } });
  await api.request({ method: "POST", path: routes.namespacesPath(ACCOUNT), json: { name: "fleet" }, schema: z.unknown() });
  await api.close();
  root = await mkdtemp(path.join(os.tmpdir(), "wfp-lifecycle-"));
  process.chdir(root);
  for (const tenant of TENANTS) {
    await mkdir(path.join(root, tenant), { recursive: true });
    await writeFile(path.join(root, tenant, "index.html"), `<h1>${tenant}</h1>`);
  }
});

afterAll(async () => {
  await emulator?.close();
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => clearSnapshots());

function inputsOf(tenant: string): Record<string, unknown> {
  return {
    accountId: ACCOUNT,
    namespace: "fleet",
    scriptName: tenant,
    directory: tenant,
    manifest: { "/index.html": hashAssetBytes(Buffer.from(`<h1>${tenant}</h1>`), "html") },
    owner: "lifecycle/test",
    providerVersion: "test",
  };
}

describe("paths from the program's folder", () => {
  it("resolves directory against workDir, not the provider's own folder (an Automation API program runs elsewhere)", async () => {
    await mkdir(path.join(root, "elsewhere-site"), { recursive: true });
    await writeFile(path.join(root, "elsewhere-site", "index.html"), "<h1>elsewhere-site</h1>");
    const providerFolder = await mkdtemp(path.join(os.tmpdir(), "wfp-provider-cwd-"));
    process.chdir(providerFolder);
    try {
      const inputs = { ...inputsOf("elsewhere-site"), workDir: root };
      const { outs } = await create(inputs, overrides(), quiet);
      expect(outs).toMatchObject({ fileCount: 1, hasAssets: true });
    } finally {
      process.chdir(root);
      await rm(providerFolder, { recursive: true, force: true });
    }
  });
});

describe("a fleet in one provider process", () => {
  it("creates without reading each script first: one listing answers for all", async () => {
    const before = await calls();
    await Promise.all(TENANTS.map(async (t) => outputs.set(t, (await create(inputsOf(t), overrides(), quiet)).outs)));
    const used = delta(await calls(), before);
    expect(used["GET namespace-scripts"]).toBe(1);
    expect(used["GET namespace-script"]).toBeUndefined();
    expect(used["PUT namespace-script"]).toBe(TENANTS.length);
  });

  it("refreshes with one listing, reading only the script that changed out of band", async () => {
    const api = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: TOKEN } });
    const other = path.join(root, "changed");
    await mkdir(other, { recursive: true });
    await writeFile(path.join(other, "index.html"), "<h1>changed by hand</h1>");
    await deployAssets(api, { target: { accountId: ACCOUNT, namespace: "fleet", scriptName: "t-3" }, assets: await buildManifest(other) });
    await api.close();

    const before = await calls();
    const results = await Promise.all(TENANTS.map((t) => read(`${ACCOUNT}/fleet/${t}`, outputs.get(t)!, overrides())));
    const used = delta(await calls(), before);
    expect(used).toEqual({ "GET namespace-scripts": 1, "GET namespace-script": 1 });
    const changed = results[TENANTS.indexOf("t-3")]!.props!;
    expect(changed.modifiedOn).not.toBe(outputs.get("t-3")!.modifiedOn);
    // What this resource deployed is kept aside only on drift, and then the plan is an update.
    expect(changed.deployedModifiedOn).toBe(outputs.get("t-3")!.modifiedOn);
    expect(diff(changed, { ...inputsOf("t-3"), providerVersion: "test" }).reasons).toContain("redeployed out of band (modified_on differs)");
    const unchanged = results[TENANTS.indexOf("t-1")]!.props!;
    expect(unchanged).not.toHaveProperty("deployedModifiedOn");
    expect(diff(unchanged, inputsOf("t-1")).changes).toBe(false);
    expect(results.filter((r) => r.props?.modifiedOn === outputs.get(r.props!.scriptName)!.modifiedOn)).toHaveLength(TENANTS.length - 1);
  });

  it("still confirms a script missing from the listing with its own read before dropping it", async () => {
    const api = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: TOKEN } });
    await api.request({ method: "DELETE", path: routes.scriptPath({ accountId: ACCOUNT, namespace: "fleet", scriptName: "t-5" }), schema: z.unknown(), allowNullResult: true });
    await api.close();
    const before = await calls();
    expect(await read(`${ACCOUNT}/fleet/t-5`, outputs.get("t-5")!, overrides())).toEqual({});
    expect(delta(await calls(), before)).toMatchObject({ "GET namespace-scripts": 1, "GET namespace-script": 1 });
  });
});
