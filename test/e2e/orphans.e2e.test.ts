/**
 * Orphans through the real CLI (README, "Orphans"): `pulumi up` of a TenantSites stack is SIGKILLed after two new
 * tenants' script PUTs and before their state write (the emulator answers PUTs minimally and delays the read-back that
 * follows, so the kill lands between the two). Their folders are then removed, and so is a tenant that is in state:
 * the next preview warns once, with one listing call, naming the two scripts nobody declares and not the one this
 * update will delete. `wfp-assets orphans --delete`, fed `pulumi stack export`, deletes the orphan that is unchanged
 * and leaves the one redeployed while it ran; every assertion is on what the emulator then serves.
 */
import { execFile, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CloudflareClient, routes } from "../../src/cloudflare/index.js";
import { deployAssets } from "../../src/deploy/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { buildManifest } from "../../src/manifest/index.js";
import { servedBody } from "../fixtures/emulator.mjs";
import { NODE } from "../fixtures/repo.mjs";
import { writeTree } from "../fixtures/sites.mjs";
import { guardSecrets, PulumiProject, pulumiBinDir } from "./pulumi-project.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "e2e-orphans-token-5d3a";
const NS = "tenants";
const OWNER = "wfp-orphans/dev";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { TenantSites } from "pulumi-wfp-assets";

const c = new pulumi.Config("fleet");
const fleet = new TenantSites("fleet", { accountId: c.require("accountId"), namespace: c.require("namespace"), sitesDirectory: "sites" });
export const scripts = fleet.scriptNames;
`;

let emulator: RunningEmulator;
let api: CloudflareClient;
let fleet: PulumiProject;

const served = (script: string): Promise<string | undefined> => servedBody(emulator.origin, NS, script);
const requests = async (route: string): Promise<number> => (await emulator.stats()).accounts[ACCOUNT]?.requests[route] ?? 0;
const liveScripts = async (): Promise<string[]> => Object.keys((await emulator.stats()).accounts[ACCOUNT]?.namespaces[NS]?.scripts ?? {}).sort();

/** The names in the orphan warning, each time it is printed (Pulumi shows a warning in the progress and in Diagnostics). */
function warnedOrphans(output: string): string[][] {
  return [...output.matchAll(/TenantSites "fleet": \d+ scripts? in dispatch namespace "tenants" carr(?:y|ies) this stack's owner tag[^:]*: ([^\n]*?)\. (?:It keeps|They keep)/g)].map((m) =>
    [...m[1]!.matchAll(/(\S+) \(modified /g)].map((n) => n[1]!),
  );
}

/** `wfp-assets orphans` of the package installed in the project (the user's path), on Node 24. */
function orphansCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = join(fleet.dir, "node_modules", "pulumi-wfp-assets", "dist", "cli.js");
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [cli, "orphans", "--account", ACCOUNT, "--namespace", NS, "--owner", OWNER, ...args], {
      env: { PATH: process.env.PATH ?? "", CLOUDFLARE_API_BASE_URL: emulator.url, CLOUDFLARE_API_TOKEN: TOKEN },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  await pulumiBinDir();
  // Minimal PUT answers make every create read its script back after the PUT: the window the kill aims at.
  emulator = await startEmulator({ tokens: [TOKEN], minimalPutAnswers: true });
  api = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: TOKEN } });
  await api.request({ method: "POST", path: routes.namespacesPath(ACCOUNT), json: { name: NS }, schema: z.unknown() });
  fleet = await PulumiProject.create({
    name: "wfp-orphans",
    program: PROGRAM,
    files: { "sites/alpha/public/index.html": "<h1>alpha</h1>", "sites/beta/public/index.html": "<h1>beta</h1>" },
    env: { CLOUDFLARE_API_BASE_URL: emulator.url, CLOUDFLARE_API_TOKEN: TOKEN },
  });
  fleet.secrets.add(TOKEN);
  await fleet.initStack("dev", { "fleet:accountId": ACCOUNT, "fleet:namespace": NS });
}, 45 * 60_000);

afterAll(async () => {
  await fleet?.dispose();
  await api?.close();
  await emulator?.close();
});

describe("orphaned scripts of a TenantSites stack", { timeout: 300_000 }, () => {
  guardSecrets(() => [fleet]);

  it("deploys two tenants, and a no-op preview warns about nothing", async () => {
    await fleet.ok(["up", "--yes"]);
    expect([await served("alpha"), await served("beta")]).toEqual(["<h1>alpha</h1>", "<h1>beta</h1>"]);
    const lists = await requests("GET namespace-scripts");
    const preview = await fleet.ok(["preview"]);
    expect(preview.output).toMatch(/5 unchanged/); // stack, component, two tenants, and its orphan watch
    expect(warnedOrphans(preview.output)).toEqual([]);
    expect((await requests("GET namespace-scripts")) - lists).toBe(1);
  });

  it("a run killed between two scripts' PUT and its state write leaves orphans the next preview names, once", async () => {
    await writeTree(fleet.dir, { "sites/gamma/public/index.html": "<h1>gamma</h1>", "sites/delta/public/index.html": "<h1>delta</h1>" });
    emulator.setFaults("GET namespace-script=latency:120000");
    const run = await fleet.start(["up", "--yes"]);
    for (const deadline = Date.now() + 120_000; ; await sleep(50)) {
      const live = await liveScripts();
      if (live.includes("gamma") && live.includes("delta")) break;
      if (Date.now() > deadline) throw new Error(`the new tenants were never PUT:\n${run.output()}`);
    }
    run.killTree();
    expect((await run.exited).code, "killed, not exited").toBeNull();
    emulator.setFaults(undefined);
    await fleet.ok(["cancel", "--yes"]);

    // The platform drops gamma and delta (never in state) and beta (in state: this update deletes it).
    await fleet.remove("sites/gamma");
    await fleet.remove("sites/delta");
    await fleet.remove("sites/beta");
    const lists = await requests("GET namespace-scripts");
    const preview = await fleet.ok(["preview"]);
    const warnings = warnedOrphans(preview.output);
    expect(warnings.length, preview.output).toBeGreaterThan(0);
    expect(new Set(warnings.map((names) => names.join(",")))).toEqual(new Set(["delta,gamma"]));
    expect(preview.output).toMatch(/wfp-assets orphans --account 0123456789abcdef0123456789abcdef --namespace tenants --owner wfp-orphans\/dev/);
    expect((await requests("GET namespace-scripts")) - lists, "one listing call for the warning").toBe(1);
    // Orphans keep serving until someone deletes them.
    expect([await served("gamma"), await served("delta"), await served("beta")]).toEqual(["<h1>gamma</h1>", "<h1>delta</h1>", "<h1>beta</h1>"]);
  });

  it("`wfp-assets orphans` lists them from `pulumi stack export`, with modified_on", async () => {
    await writeFile(join(fleet.root, "state.json"), await fleet.exportStack());
    const listed = await orphansCli(["--declared-file", join(fleet.root, "state.json"), "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    const { orphans } = JSON.parse(listed.stdout) as { orphans: Array<{ name: string; modifiedOn: string }> };
    const stats = (await emulator.stats()).accounts[ACCOUNT]!.namespaces[NS]!.scripts;
    expect(orphans).toEqual([
      { name: "delta", modifiedOn: stats.delta!.modifiedOn },
      { name: "gamma", modifiedOn: stats.gamma!.modifiedOn },
    ]);
  });

  it("`--delete` deletes the unchanged orphan and leaves the one redeployed while it ran, saying why", async () => {
    // The CLI deletes in name order: delta's pre-delete read is held for 4 s, during which delta is redeployed.
    emulator.setFaults("GET namespace-script=latency:4000*1");
    const reads = await requests("GET namespace-script");
    const exported = (await fleet.exportStack()).trim();
    const cli = join(fleet.dir, "node_modules", "pulumi-wfp-assets", "dist", "cli.js");
    const deleting = promisify(execFile)(NODE, [cli, "orphans", "--account", ACCOUNT, "--namespace", NS, "--owner", OWNER, "--declared-file", "-", "--delete"], {
      env: { PATH: process.env.PATH ?? "", CLOUDFLARE_API_BASE_URL: emulator.url, CLOUDFLARE_API_TOKEN: TOKEN },
    });
    deleting.child.stdin!.end(exported);
    for (const deadline = Date.now() + 30_000; (await requests("GET namespace-script")) === reads; await sleep(20)) {
      if (Date.now() > deadline) throw new Error("the CLI never read delta before deleting it");
    }
    // Redeployed meanwhile with the stack's owner tag, as the stack itself would if the tenant came back.
    const dir = join(fleet.root, "delta-again");
    await writeTree(dir, { "index.html": "<h1>delta, redeployed</h1>" });
    await deployAssets(api, { target: { accountId: ACCOUNT, namespace: NS, scriptName: "delta" }, assets: await buildManifest(dir), tags: [`wfp-owner=${OWNER}`] });
    const { stdout } = await deleting;
    emulator.setFaults(undefined);

    expect(stdout).toMatch(/left delta: it was deployed again since the listing/);
    expect(stdout).toMatch(/deleted gamma/);
    expect(stdout).toMatch(/1 deleted, 1 left in place/);
    expect(await served("delta")).toBe("<h1>delta, redeployed</h1>");
    expect(await served("gamma")).toBeUndefined();
    expect(await liveScripts()).toEqual(["alpha", "beta", "delta"]);
    expect(await served("alpha")).toBe("<h1>alpha</h1>");
  });

  it("after the recovery and an up, the next preview names only the orphan that is left", async () => {
    await fleet.ok(["refresh", "--clear-pending-creates", "--yes"]);
    const up = await fleet.ok(["up", "--yes"]);
    expect(up.output).toMatch(/1 deleted/); // beta, which was in state
    expect(await served("beta")).toBeUndefined();
    expect(await served("alpha")).toBe("<h1>alpha</h1>");
    const preview = await fleet.ok(["preview"]);
    expect(new Set(warnedOrphans(preview.output).map((names) => names.join(",")))).toEqual(new Set(["delta"]));
  });
});
