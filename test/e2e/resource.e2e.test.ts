/**
 * UserWorkerAssets through the real Pulumi CLI against the emulator: deploy, no-op, per-file
 * preview, path independence, drift, replace, destroy, and no secrets in state.
 */
import { cp, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudflareClient, routes } from "../../src/cloudflare/index.js";
import { deleteScript, deployAssets } from "../../src/deploy/index.js";
import { buildManifest } from "../../src/manifest/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { z } from "zod";
import { guardSecrets, PulumiProject, pulumiBinDir } from "./pulumi-project.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "e2e-token-4f2a9c1b7d";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { UserWorkerAssets } from "pulumi-wfp-assets";

const config = new pulumi.Config("site");
const site = new UserWorkerAssets("site", {
  accountId: config.require("accountId"),
  namespace: config.get("namespace"),
  scriptName: config.require("scriptName"),
  directory: "public",
  assetConfig: { notFoundHandling: "404-page" },
});
export const etag = site.etag;
export const fileCount = site.fileCount;
export const uploadedFiles = site.uploadedFiles;
`;

let emulator: RunningEmulator;
let project: PulumiProject;
let api: CloudflareClient;

async function stats() {
  return (await emulator.stats()).accounts[ACCOUNT]!;
}

async function outputs(p: PulumiProject): Promise<Record<string, unknown>> {
  return JSON.parse((await p.ok(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
}

beforeAll(async () => {
  await pulumiBinDir();
  emulator = await startEmulator({ tokens: [TOKEN] });
  api = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: TOKEN } });
  for (const name of ["tenants", "other"]) {
    await api.request({ method: "POST", path: routes.namespacesPath(ACCOUNT), json: { name }, schema: z.unknown() });
  }
  project = await PulumiProject.create({
    program: PROGRAM,
    files: {
      "public/index.html": "<h1>home</h1>",
      "public/404.html": "<h1>not here</h1>",
      "public/about.html": "<h1>about</h1>",
      "public/css/site.css": "body{color:#222}",
    },
    env: { CLOUDFLARE_API_BASE_URL: emulator.url },
  });
  project.secrets.add(TOKEN);
  await project.initStack(
    "dev",
    { "site:accountId": ACCOUNT, "site:namespace": "tenants", "site:scriptName": "acme" },
    { "cloudflare:apiToken": TOKEN },
  );
}, 45 * 60_000);

afterAll(async () => {
  await project?.dispose();
  await api?.close();
  await emulator?.close();
});

describe("UserWorkerAssets with the real CLI", { timeout: 300_000 }, () => {
  // Every pulumi run's output is checked for the token and for JWTs; after each test, the exported state too.
  guardSecrets(() => [project]);

  it("deploys, then a second up and a preview change nothing", async () => {
    const up = await project.ok(["up", "--yes"]);
    expect(up.output).toMatch(/\+ 2 created/);
    const script = (await stats()).namespaces.tenants!.scripts.acme!;
    expect(Object.keys(script.manifest).sort()).toEqual(["/404.html", "/about.html", "/css/site.css", "/index.html"]);
    expect(script.assetConfig).toMatchObject({ not_found_handling: "404-page" });
    expect(await outputs(project)).toMatchObject({ fileCount: 4, uploadedFiles: 4 });

    const again = await project.ok(["up", "--yes"]);
    expect(again.output).toMatch(/2 unchanged/);
    const preview = await project.ok(["preview", "--diff"]);
    expect(preview.output).toMatch(/2 unchanged/);
    expect((await stats()).namespaces.tenants!.scripts.acme!.puts).toBe(1);
  });

  it("previews exactly the edited, added and removed paths, then uploads only the new content", async () => {
    await project.write("public/index.html", "<h1>home v2</h1>");
    await project.write("public/blog/post.html", "<h1>post</h1>");
    await project.remove("public/about.html");
    const preview = await project.ok(["preview", "--diff"]);
    const manifestLines = preview.output.split("\n").filter((line) => /^\s*[-+~]\s+"?\/[^\s"]*"?\s*:/.test(line));
    expect(manifestLines.map((line) => line.split(":")[0]!.trim().replace(/\s+/g, " ")).sort()).toEqual([
      "+ /blog/post.html",
      "- /about.html",
      "~ /index.html",
    ]);

    const before = (await stats()).stores["namespace:tenants"]!;
    await project.ok(["up", "--yes"]);
    const after = (await stats()).stores["namespace:tenants"]!;
    expect(after.filesUploaded - before.filesUploaded).toBe(2);
    expect(await outputs(project)).toMatchObject({ fileCount: 4, uploadedFiles: 2 });
  });

  it("is a no-op from another absolute path", async () => {
    const moved = join(project.root, "moved-project");
    await cp(project.dir, moved, { recursive: true, verbatimSymlinks: true });
    const clone = project.withDir(moved);
    const preview = await clone.ok(["preview", "--diff", "--stack", "dev"]);
    expect(preview.output).toMatch(/2 unchanged/);
    await rm(moved, { recursive: true, force: true });
  });

  it("notices an out-of-band redeploy on refresh and repairs it", async () => {
    const foreign = join(project.root, "foreign-site");
    await cp(join(project.dir, "public"), foreign, { recursive: true });
    await rm(join(foreign, "index.html"));
    await deployAssets(api, { target: { accountId: ACCOUNT, namespace: "tenants", scriptName: "acme" }, assets: await buildManifest(foreign) });
    expect((await stats()).namespaces.tenants!.scripts.acme!.manifest).not.toHaveProperty("/index.html");

    const quiet = await project.ok(["preview"]);
    expect(quiet.output).toMatch(/2 unchanged/); // without refresh the stored state still matches the program
    const drift = await project.ok(["preview", "--refresh"]);
    expect(drift.output).toMatch(/~ 1 to update/);
    await project.ok(["up", "--yes", "--refresh"]);
    expect((await stats()).namespaces.tenants!.scripts.acme!.manifest).toHaveProperty("/index.html");
    expect((await project.ok(["preview", "--refresh"])).output).toMatch(/2 unchanged/);
  });

  it("drops an out-of-band deleted script on refresh and recreates it", async () => {
    await deleteScript(api, { accountId: ACCOUNT, namespace: "tenants", scriptName: "acme" });
    const refresh = await project.ok(["refresh", "--yes"]);
    expect(refresh.output).toMatch(/- 1 deleted/);
    const up = await project.ok(["up", "--yes"]);
    expect(up.output).toMatch(/\+ 1 created/);
    expect((await stats()).namespaces.tenants!.scripts.acme!.hasAssets).toBe(true);
  });

  it("replaces the script when the namespace or the script name changes", async () => {
    await project.ok(["config", "set", "site:scriptName", "acme-2"]);
    const preview = await project.ok(["preview"]);
    expect(preview.output).toMatch(/\+-\s*1 to replace/);
    await project.ok(["up", "--yes"]);
    let live = await stats();
    expect(live.namespaces.tenants!.scripts).not.toHaveProperty("acme");
    expect(live.namespaces.tenants!.scripts["acme-2"]?.hasAssets).toBe(true);

    await project.ok(["config", "set", "site:namespace", "other"]);
    await project.ok(["up", "--yes"]);
    live = await stats();
    expect(live.namespaces.tenants!.scripts).not.toHaveProperty("acme-2");
    expect(live.namespaces.other!.scripts["acme-2"]?.hasAssets).toBe(true);
  });

  it("keeps the token and every JWT out of the state", async () => {
    const state = await project.exportStack();
    expect(state).toContain("UserWorkerAssets");
    expect(state).not.toContain(TOKEN);
    expect(state).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    // The same check as the guard's, and the serialized provider it looks at is there.
    const { dev } = await project.checkStateForSecrets();
    expect(dev!.resources?.some((r) => r.type.endsWith("UserWorkerAssets"))).toBe(true);
  });

  it("destroy removes the script", async () => {
    await project.ok(["destroy", "--yes"]);
    expect((await stats()).namespaces.other!.scripts).not.toHaveProperty("acme-2");
  });
});

describe("credentials from the environment", { timeout: 300_000 }, () => {
  it("deploys with CLOUDFLARE_API_TOKEN and stores neither the token nor a JWT", async () => {
    const envProject = await PulumiProject.create({
      name: "wfp-e2e-env",
      program: PROGRAM,
      files: { "public/index.html": "<h1>env</h1>" },
      env: { CLOUDFLARE_API_BASE_URL: emulator.url, CLOUDFLARE_API_TOKEN: TOKEN },
    });
    envProject.secrets.add(TOKEN);
    try {
      await envProject.initStack("ci", { "site:accountId": ACCOUNT, "site:namespace": "tenants", "site:scriptName": "from-env" });
      await envProject.ok(["up", "--yes"]);
      expect((await stats()).namespaces.tenants!.scripts["from-env"]?.hasAssets).toBe(true);
      const state = await envProject.exportStack();
      expect(state).not.toContain(TOKEN);
      expect(state).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
      await envProject.checkStateForSecrets();
      await envProject.ok(["destroy", "--yes"]);
    } finally {
      await envProject.dispose();
    }
  });
});

