/**
 * A YAML program using the component package (packages/pulumi-wfp-assets-components) through the real CLI against the
 * emulator: create, no-op, one file changed (the preview names it), refresh after an out-of-band redeploy, rename with
 * an alias, destroy — each checked on what the emulator serves. The project has no node_modules and no package.json,
 * as a YAML project's folder has none: the plugin runs from the package's own folder (with its own node_modules), and
 * the credentials reach it as the package's stack config (`wfp-assets:apiToken`), not through the environment.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CloudflareClient, routes } from "../../src/cloudflare/index.js";
import { deployAssets } from "../../src/deploy/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { buildManifest } from "../../src/manifest/index.js";
import { installComponentPackage } from "../fixtures/component-package.mjs";
import { EMULATOR_ACCOUNT, servedBody } from "../fixtures/emulator.mjs";
import { writeTree } from "../fixtures/sites.mjs";
import { guardSecrets, PulumiProject, pulumiBinDir } from "./pulumi-project.js";

const TOKEN = "e2e-yaml-token-8c1d5e";
const NS = "tenants";

/** The program, with the component's resource name and an optional alias of an older name. */
function program(pluginDir: string, name: string, alias?: string): string {
  return [
    "name: yaml-fleet",
    "runtime: yaml",
    "packages:",
    `  wfp-assets: ${pluginDir}`,
    "config:",
    "  accountId:",
    "    type: string",
    "resources:",
    `  ${name}:`,
    "    type: wfp-assets:index:TenantSites",
    "    properties:",
    "      accountId: ${accountId}",
    `      namespace: ${NS}`,
    "      sitesDirectory: sites",
    '      urlPattern: "https://{script}.{namespace}.example.test/"',
    ...(alias ? ["    options:", "      aliases:", `        - urn:pulumi:dev::yaml-fleet::wfp-assets:index:TenantSites::${alias}`] : []),
    "outputs:",
    `  urls: \${${name}.urls}`,
    `  sites: \${${name}.sites}`,
    "",
  ].join("\n");
}

let emulator: RunningEmulator;
let project: PulumiProject;
let api: CloudflareClient;
let pluginDir: string;

const served = (script: string): Promise<string | undefined> => servedBody(emulator.origin, NS, script);

beforeAll(async () => {
  await pulumiBinDir();
  emulator = await startEmulator({ tokens: [TOKEN] });
  api = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: TOKEN } });
  await api.request({ method: "POST", path: routes.namespacesPath(EMULATOR_ACCOUNT), json: { name: NS }, schema: z.unknown() });
  // A TypeScript install of the packed library gives the plugin its node_modules; the YAML project gets none.
  project = await PulumiProject.create({ program: "", env: { CLOUDFLARE_API_BASE_URL: emulator.url } });
  project.secrets.add(TOKEN);
  pluginDir = await installComponentPackage(project.installed, join(project.root, "components"));
  for (const file of ["node_modules", "package.json", "index.ts"]) await rm(join(project.dir, file), { recursive: true, force: true });
  await project.write("Pulumi.yaml", program(pluginDir, "fleet"));
  await writeTree(join(project.dir, "sites"), {
    "acme/public/index.html": "<h1>acme</h1>",
    "acme/public/about.html": "<h1>about acme</h1>",
    "beta/public/index.html": "<h1>beta</h1>",
  });
  await project.initStack("dev", { accountId: EMULATOR_ACCOUNT }, { "wfp-assets:apiToken": TOKEN });
}, 45 * 60_000);

afterAll(async () => {
  await project?.dispose();
  await api?.close();
  await emulator?.close();
});

describe("TenantSites from a YAML program", { timeout: 300_000 }, () => {
  guardSecrets(() => [project]);

  it("creates every tenant's site and reports URLs, file counts and etags", async () => {
    const up = await project.ok(["up", "--yes"]);
    expect(up.output).toMatch(/\+ 5 created/); // the component, two sites, the orphan watch, the stack
    expect(await served("acme")).toBe("<h1>acme</h1>");
    expect(await served("beta")).toBe("<h1>beta</h1>");
    const outputs = await project.outputs();
    expect(outputs.urls).toEqual({ acme: "https://acme.tenants.example.test/", beta: "https://beta.tenants.example.test/" });
    const sites = z.record(z.string(), z.object({ scriptName: z.string(), fileCount: z.number(), etag: z.string().min(1) })).parse(outputs.sites);
    expect(sites.acme).toMatchObject({ scriptName: "acme", fileCount: 2 });
    expect(sites.beta).toMatchObject({ scriptName: "beta", fileCount: 1 });
  });

  it("is a no-op when nothing changed", async () => {
    await project.ok(["preview", "--expect-no-changes"]);
    expect((await project.ok(["up", "--yes"])).output).toMatch(/5 unchanged/);
    expect(await served("acme")).toBe("<h1>acme</h1>");
  });

  it("names the one changed file in the preview and deploys it", async () => {
    await project.write("sites/acme/public/index.html", "<h1>acme v2</h1>");
    const preview = await project.ok(["preview", "--diff"]);
    expect(preview.output).toMatch(/~ \/index\.html\s*: "[0-9a-f]{32}" => "[0-9a-f]{32}"/);
    expect(preview.output).not.toMatch(/[~+-] \/about\.html/);
    expect(preview.output).toMatch(/~ 1 to update/);
    await project.ok(["up", "--yes"]);
    expect(await served("acme")).toBe("<h1>acme v2</h1>");
    expect(await served("beta")).toBe("<h1>beta</h1>");
  });

  it("notices an out-of-band redeploy on refresh and puts the declared files back", async () => {
    const foreign = join(project.root, "foreign");
    await writeTree(foreign, { "index.html": "<h1>by hand</h1>" });
    await deployAssets(api, { target: { accountId: EMULATOR_ACCOUNT, namespace: NS, scriptName: "beta" }, assets: await buildManifest(foreign) });
    expect(await served("beta")).toBe("<h1>by hand</h1>");
    expect((await project.ok(["preview"])).output).toMatch(/5 unchanged/); // the state still matches the program
    const refresh = await project.ok(["refresh", "--yes"]);
    expect(refresh.output).toMatch(/~ 1 updated/);
    expect((await project.ok(["preview"])).output).toMatch(/~ 1 to update/);
    await project.ok(["up", "--yes"]);
    expect(await served("beta")).toBe("<h1>beta</h1>");
  });

  it("renames the component with an alias: nothing is replaced and every site keeps serving", async () => {
    await project.write("Pulumi.yaml", program(pluginDir, "tenants", "fleet"));
    const preview = await project.ok(["preview"]);
    expect(preview.output).not.toMatch(/to create|to delete|to replace/);
    const up = await project.ok(["up", "--yes"]);
    expect(up.output).not.toMatch(/created|deleted|Left the script/);
    expect(await served("acme")).toBe("<h1>acme v2</h1>");
    expect(await served("beta")).toBe("<h1>beta</h1>");
  });

  it("deletes every site on destroy", async () => {
    await project.ok(["destroy", "--yes"]);
    expect(await served("acme")).toBeUndefined();
    expect(await served("beta")).toBeUndefined();
  });
});
