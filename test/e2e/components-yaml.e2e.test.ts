/**
 * A YAML program using the component package (packages/pulumi-wfp-assets-components) through the real CLI against the
 * emulator: create, no-op, one file changed (the preview names it), refresh after an out-of-band redeploy, rename with
 * an alias, destroy — each checked on what the emulator serves. The project has no node_modules and no package.json,
 * as a YAML project's folder has none: the plugin runs from the package's own folder (with its own node_modules), and
 * the credentials reach it as the package's stack config (`wfp-assets:apiToken`), not through the environment.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { z } from "zod";
import { CloudflareClient, routes } from "../../src/cloudflare/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { installComponentPackage } from "../fixtures/component-package.mjs";
import { EMULATOR_ACCOUNT } from "../fixtures/emulator.mjs";
import { writeTree } from "../fixtures/sites.mjs";
import { COMPONENT_NS, COMPONENT_SITES, describeComponentLifecycle } from "./component-lifecycle.js";
import { PulumiProject, pulumiBinDir } from "./pulumi-project.js";

const TOKEN = "e2e-yaml-token-8c1d5e";
const NS = COMPONENT_NS;

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
  await writeTree(join(project.dir, "sites"), COMPONENT_SITES);
  await project.initStack("dev", { accountId: EMULATOR_ACCOUNT }, { "wfp-assets:apiToken": TOKEN });
}, 45 * 60_000);

afterAll(async () => {
  await project?.dispose();
  await api?.close();
  await emulator?.close();
});

describeComponentLifecycle("YAML", {
  project: () => project,
  api: () => api,
  emulatorOrigin: () => emulator.origin,
  renameComponent: () => project.write("Pulumi.yaml", program(pluginDir, "tenants", "fleet")),
});
