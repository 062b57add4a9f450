/**
 * Whose site is live after each Pulumi path, through the real CLI and asserted on what the emulator serves: a second
 * stack on the same script (refused, then `adopt`; destroying the first stack leaves the adopted site up), a replace
 * whose create fails (the old site serves on) and one that succeeds (the new script serves before the old one goes),
 * `destroy` after an out-of-band redeploy (left in place, with a warning), `keepBindings`, a namespace deleted out of
 * band (refresh fails, state kept), and an assets-only redeploy out of band that keeps the etag (still detected).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CloudflareClient, routes, scriptInfoSchema } from "../../src/cloudflare/index.js";
import { deployAssets } from "../../src/deploy/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { buildManifest } from "../../src/manifest/index.js";
import { servedBody } from "../fixtures/emulator.mjs";
import { guardSecrets, PulumiProject, pulumiBinDir, type ExportedDeployment } from "./pulumi-project.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "e2e-ownership-token-2b9e";
const NS = "tenants";

/** One site whose script, namespace, adopt flag and worker come from stack config. */
const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { UserWorkerAssets } from "pulumi-wfp-assets";

const c = new pulumi.Config("own");
const withWorker = c.getBoolean("worker");
const site = new UserWorkerAssets("site", {
  accountId: c.require("accountId"),
  namespace: c.require("namespace"),
  scriptName: c.require("scriptName"),
  directory: "public",
  adopt: c.getBoolean("adopt"),
  keepBindings: c.getObject<string[]>("keepBindings"),
  worker: withWorker ? { mainModule: "worker/index.js", compatibilityDate: "2025-06-01", assetsBinding: "ASSETS" } : undefined,
  assetConfig: withWorker ? { runWorkerFirst: ["/api/*"] } : undefined,
});
export const modifiedOn = site.modifiedOn;
`;

/** Answers /api/secret with a binding the platform sets outside Pulumi. */
const WORKER = `export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === "/api/secret") return new Response(env.PLATFORM_SECRET ?? "no secret");
    return env.ASSETS.fetch(request);
  },
};
`;

let emulator: RunningEmulator;
let api: CloudflareClient;
const projects: PulumiProject[] = [];

const served = (script: string, namespace = NS, path = "/"): Promise<string | undefined> => servedBody(emulator.origin, namespace, script, path);

async function project(name: string, page: string, config: Record<string, string>, files: Record<string, string> = {}): Promise<PulumiProject> {
  const p = await PulumiProject.create({
    name,
    program: PROGRAM,
    files: { "public/index.html": page, ...files },
    env: { CLOUDFLARE_API_BASE_URL: emulator.url, CLOUDFLARE_API_TOKEN: TOKEN },
  });
  p.secrets.add(TOKEN);
  projects.push(p);
  await p.initStack("dev", { "own:accountId": ACCOUNT, "own:namespace": NS, ...config });
  return p;
}

async function createNamespace(name: string): Promise<void> {
  await api.request({ method: "POST", path: routes.namespacesPath(ACCOUNT), json: { name }, schema: z.unknown() });
}

/** A deploy outside Pulumi (what `wrangler deploy` or another tool would do), of `files` as an assets-only site. */
async function deployByHand(script: string, files: Record<string, string>, root: string, namespace = NS): Promise<void> {
  const dir = join(root, `by-hand-${script}-${Date.now()}`);
  const { mkdir, writeFile } = await import("node:fs/promises");
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await deployAssets(api, { target: { accountId: ACCOUNT, namespace, scriptName: script }, assets: await buildManifest(dir) });
}

async function liveScript(script: string, namespace = NS) {
  const { result } = await api.request({ method: "GET", path: routes.scriptPath({ accountId: ACCOUNT, namespace, scriptName: script }), schema: scriptInfoSchema });
  return result.script;
}

function resourcesOf(deployment: ExportedDeployment | undefined): string[] {
  return (deployment?.resources ?? []).filter((r) => r.type.endsWith("UserWorkerAssets")).map((r) => r.urn);
}

beforeAll(async () => {
  await pulumiBinDir();
  emulator = await startEmulator({ tokens: [TOKEN] });
  api = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: TOKEN } });
  await createNamespace(NS);
}, 45 * 60_000);

afterAll(async () => {
  for (const p of projects) await p.dispose();
  await api?.close();
  await emulator?.close();
});

describe("two stacks, one script", { timeout: 300_000 }, () => {
  guardSecrets(() => projects);

  it("refuses the second stack's create, adopts on request, and the first stack's destroy leaves the adopted site up", async () => {
    const first = await project("wfp-own-first", "<h1>first</h1>", { "own:scriptName": "shared" });
    await first.ok(["up", "--yes"]);
    expect(await served("shared")).toBe("<h1>first</h1>");

    const second = await project("wfp-own-second", "<h1>second</h1>", { "own:scriptName": "shared" });
    const refused = await second.pulumi(["up", "--yes"]);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/The script "shared" in dispatch namespace "tenants" already exists and is not managed by this stack \("wfp-own-second\/dev"\)/);
    expect(refused.output).toMatch(/managed by the Pulumi stack "wfp-own-first\/dev"/);
    expect(refused.output).toMatch(/set `adopt: true`/);
    expect(await served("shared")).toBe("<h1>first</h1>");

    await second.ok(["config", "set", "own:adopt", "true"]);
    const adopted = await second.ok(["up", "--yes"]);
    expect(adopted.output).toMatch(/adopting the existing script \(managed by stack "wfp-own-first\/dev" until now\)/);
    expect(await served("shared")).toBe("<h1>second</h1>");
    expect((await liveScript("shared")).tags).toContain("wfp-owner=wfp-own-second/dev");

    // The first stack no longer owns it: an update is refused, and its destroy leaves the site in place.
    await first.write("public/index.html", "<h1>first v2</h1>");
    const clobber = await first.pulumi(["up", "--yes"]);
    expect(clobber.code).not.toBe(0);
    expect(clobber.output).toMatch(/is now managed by the Pulumi stack "wfp-own-second\/dev"/);
    expect(await served("shared")).toBe("<h1>second</h1>");
    const destroyed = await first.ok(["destroy", "--yes"]);
    expect(destroyed.output).toMatch(/warning: Left the script "shared" in dispatch namespace "tenants" in place/);
    expect(await served("shared")).toBe("<h1>second</h1>");

    await second.ok(["destroy", "--yes"]);
    expect(await served("shared")).toBeUndefined();
  });

  it("refuses to create over a script deployed by hand", async () => {
    const root = projects[0]!.root;
    await deployByHand("handmade", { "index.html": "<h1>by hand</h1>" }, root);
    const p = await project("wfp-own-hand", "<h1>pulumi</h1>", { "own:scriptName": "handmade" });
    const refused = await p.pulumi(["up", "--yes"]);
    expect(refused.output).toMatch(/carries no owner tag/);
    expect(await served("handmade")).toBe("<h1>by hand</h1>");
  });
});

describe("replace without downtime", { timeout: 300_000 }, () => {
  let p: PulumiProject;
  guardSecrets(() => projects);

  beforeAll(async () => {
    p = await project("wfp-own-replace", "<h1>replace me</h1>", { "own:scriptName": "rep-1" });
    await p.ok(["up", "--yes"]);
  });

  it("a replace whose create fails leaves the old site serving and in state", async () => {
    await deployByHand("taken", { "index.html": "<h1>someone else</h1>" }, p.root);
    await p.ok(["config", "set", "own:scriptName", "taken"]);
    const failed = await p.pulumi(["up", "--yes"]);
    expect(failed.code).not.toBe(0);
    expect(failed.output).toMatch(/already exists and is not managed by this stack/);
    expect(await served("rep-1")).toBe("<h1>replace me</h1>");
    expect(await served("taken")).toBe("<h1>someone else</h1>");
    const { dev } = await p.checkStateForSecrets();
    expect(resourcesOf(dev)).toHaveLength(1);
  });

  it("a successful replace serves the new script before the old one is deleted", async () => {
    await p.ok(["config", "set", "own:scriptName", "rep-2"]);
    // Slow the old script's delete down so the moment both exist is wide enough to see from outside.
    emulator.setFaults("DELETE namespace-script=latency:1500");
    const seen: Array<{ old: boolean; next: boolean }> = [];
    const run = await p.start(["up", "--yes"]);
    let done = false;
    void run.exited.finally(() => (done = true));
    while (!done) {
      const [old, next] = await Promise.all([served("rep-1"), served("rep-2")]);
      seen.push({ old: old !== undefined, next: next !== undefined });
      await new Promise((r) => setTimeout(r, 100));
    }
    emulator.setFaults(undefined);
    expect((await run.exited).code).toBe(0);
    expect(seen.some((s) => s.old && s.next)).toBe(true); // both live at once: created first
    expect(seen.every((s) => s.old || s.next)).toBe(true); // never neither
    expect(await served("rep-1")).toBeUndefined();
    expect(await served("rep-2")).toBe("<h1>replace me</h1>");
  });

  it("destroy after an out-of-band redeploy leaves that deploy serving, with a warning", async () => {
    await deployByHand("rep-2", { "index.html": "<h1>hotfix by hand</h1>" }, p.root);
    const destroyed = await p.ok(["destroy", "--yes"]);
    expect(destroyed.output).toMatch(/warning: Left the script "rep-2" in dispatch namespace "tenants" in place instead of deleting it: its owner tag is gone|deployed again since/);
    expect(await served("rep-2")).toBe("<h1>hotfix by hand</h1>");
  });
});

describe("drift, bindings and a vanished namespace", { timeout: 300_000 }, () => {
  guardSecrets(() => projects);

  it("detects an assets-only redeploy out of band that keeps the etag", async () => {
    const p = await project("wfp-own-drift", "<h1>declared</h1>", { "own:scriptName": "drifty" });
    await p.ok(["up", "--yes"]);
    const before = await liveScript("drifty");
    await deployByHand("drifty", { "index.html": "<h1>changed out of band</h1>" }, p.root);
    const after = await liveScript("drifty");
    expect(after.etag).toBe(before.etag); // etag hashes script content only (docs/cloudflare-api.md §15.3); assets changed
    expect(after.modified_on).not.toBe(before.modified_on);
    expect(await served("drifty")).toBe("<h1>changed out of band</h1>");

    expect((await p.ok(["preview"])).output).toMatch(/2 unchanged/); // without refresh, state matches the program
    expect((await p.ok(["preview", "--refresh"])).output).toMatch(/~ 1 to update/);
    await p.ok(["up", "--yes", "--refresh"]);
    expect(await served("drifty")).toBe("<h1>declared</h1>");
    expect((await p.ok(["preview", "--refresh"])).output).toMatch(/2 unchanged/);
  });

  it("keepBindings keeps a binding the platform set outside Pulumi", async () => {
    const p = await project("wfp-own-bindings", "<h1>bound</h1>", { "own:scriptName": "bound", "own:worker": "true" }, { "worker/index.js": WORKER });
    await p.writeStackConfig({ "own:accountId": ACCOUNT, "own:namespace": NS, "own:scriptName": "bound", "own:worker": "true", "own:keepBindings": ["secret_text"] });
    await p.ok(["up", "--yes"]);
    expect(await served("bound", NS, "/api/secret")).toBe("no secret");

    // The platform adds a secret binding with its own deploy of the same code and files.
    const { loadWorkerModules } = await import("../../src/deploy/index.js");
    const { mainModule, modules } = await loadWorkerModules(join(p.dir, "worker/index.js"));
    await deployAssets(api, {
      target: { accountId: ACCOUNT, namespace: NS, scriptName: "bound" },
      assets: await buildManifest(join(p.dir, "public")),
      worker: { mainModule, modules, compatibilityDate: "2025-06-01", assetsBinding: "ASSETS", bindings: [{ type: "secret_text", name: "PLATFORM_SECRET", text: "s3cr3t" }] },
      assetConfig: { runWorkerFirst: ["/api/*"] },
    });
    expect(await served("bound", NS, "/api/secret")).toBe("s3cr3t");

    await p.write("public/index.html", "<h1>bound v2</h1>");
    await p.ok(["up", "--yes"]);
    expect(await served("bound")).toBe("<h1>bound v2</h1>");
    expect(await served("bound", NS, "/api/secret")).toBe("s3cr3t");

    // Without keepBindings the deploy replaces every binding, as Cloudflare's PUT does.
    await p.writeStackConfig({ "own:accountId": ACCOUNT, "own:namespace": NS, "own:scriptName": "bound", "own:worker": "true" });
    await p.write("public/index.html", "<h1>bound v3</h1>");
    await p.ok(["up", "--yes"]);
    expect(await served("bound", NS, "/api/secret")).toBe("no secret");
    await p.ok(["destroy", "--yes"]);
  });

  it("a namespace deleted out of band makes refresh fail clearly and keeps the state", async () => {
    await createNamespace("doomed");
    const p = await project("wfp-own-doomed", "<h1>doomed</h1>", { "own:scriptName": "victim", "own:namespace": "doomed" });
    await p.ok(["up", "--yes"]);
    expect(await served("victim", "doomed")).toBe("<h1>doomed</h1>");
    await api.request({ method: "DELETE", path: routes.namespacePath(ACCOUNT, "doomed"), schema: z.unknown(), allowNullResult: true });

    const refresh = await p.pulumi(["refresh", "--yes"]);
    expect(refresh.code).not.toBe(0);
    expect(refresh.output).toMatch(/The dispatch namespace "doomed" of account 0123456789abcdef0123456789abcdef was not found/);
    expect(refresh.output).toMatch(/Nothing was removed from the stack's state/);
    const { dev } = await p.checkStateForSecrets();
    expect(resourcesOf(dev)).toHaveLength(1);

    // Recreated (empty), the namespace answers again; refresh now sees the script gone and drops it.
    await createNamespace("doomed");
    expect((await p.ok(["refresh", "--yes"])).output).toMatch(/1 deleted/);
  });
});
