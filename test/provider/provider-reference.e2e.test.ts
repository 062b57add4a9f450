/**
 * The provider in state is one small module reference, `require("pulumi-wfp-assets/provider")`, however the program
 * reaches the package: installed from the packed tarball, or linked (`file:` dependency, `npm link`, npm workspace),
 * where Pulumi would otherwise store the shell's functions by value (src/provider/provider-reference.ts). Through the
 * real CLI: a small TenantSites stack per layout deploys, serves, and its exported state is looked at. And state the
 * by-value form wrote stays readable: refresh, update and destroy run on it.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { EMULATOR_ACCOUNT, emulatorAdmin, servedBody } from "../fixtures/emulator.mjs";
import { layOutPackage, PACKAGE_LAYOUTS, type PackageLayout } from "../fixtures/linked-package.mjs";
import { NODE } from "../fixtures/repo.mjs";
import { guardSecrets, PulumiProject, pulumiBinDir, REPO_ROOT, type ExportedDeployment } from "../e2e/pulumi-project.js";

const TOKEN = "e2e-provider-reference-token-5c1a";
const NS = "reference";
const TENANTS = ["alpha", "bravo", "charlie"];
const REFERENCE = 'require("pulumi-wfp-assets/provider")';
/** The reference form is ~260 bytes; the by-value form ~2.9 KB. */
const SMALL = 400;

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { TenantSites } from "pulumi-wfp-assets";

const c = new pulumi.Config("ref");
const fleet = new TenantSites("fleet", { accountId: c.require("accountId"), namespace: c.require("namespace"), sitesDirectory: "sites" });
export const tenants = Object.keys(fleet.sites).length;
`;

let emulator: RunningEmulator;
const projects = new Map<PackageLayout, PulumiProject>();

type Resource = NonNullable<ExportedDeployment["resources"]>[number];

async function tenantResources(project: PulumiProject): Promise<Resource[]> {
  const exported = JSON.parse(await project.exportStack()) as { deployment: ExportedDeployment };
  return (exported.deployment.resources ?? []).filter((resource) => resource.type === "pulumi-nodejs:dynamic/wfp:UserWorkerAssets");
}

function providerTexts(resource: Resource): unknown[] {
  return [resource.inputs?.__provider, resource.outputs?.__provider];
}

beforeAll(async () => {
  await pulumiBinDir();
  emulator = await startEmulator({ tokens: [TOKEN] });
  await emulatorAdmin({ url: emulator.url, token: TOKEN }).createNamespace(NS);
  for (const layout of PACKAGE_LAYOUTS) {
    // One namespace, so every layout's stack deploys its own scripts: the tenant names carry the layout.
    const files = Object.fromEntries(TENANTS.map((tenant) => [`sites/${layout}-${tenant}/public/index.html`, `<h1>${layout} ${tenant}</h1>`]));
    const project = await PulumiProject.create({
      name: `wfp-reference-${layout}`,
      program: PROGRAM,
      files,
      env: { CLOUDFLARE_API_BASE_URL: emulator.url, CLOUDFLARE_API_TOKEN: TOKEN },
    });
    project.secrets.add(TOKEN);
    projects.set(layout, project);
    await layOutPackage(project, layout);
    await project.initStack("dev", { "ref:accountId": EMULATOR_ACCOUNT, "ref:namespace": NS });
  }
  // Four stacks on two cores: one at a time.
  for (const project of projects.values()) await project.ok(["up", "--yes", "--skip-preview"]);
}, 20 * 60_000);

afterAll(async () => {
  for (const project of projects.values()) await project.dispose();
  await emulator?.close();
});

describe("the provider in state, however the package is reached", { timeout: 300_000 }, () => {
  guardSecrets(() => projects.values());

  it.each(PACKAGE_LAYOUTS)("%s: each tenant stores the same small module reference, and its site serves", async (layout) => {
    const project = projects.get(layout)!;
    const resources = await tenantResources(project);
    expect(resources).toHaveLength(TENANTS.length);
    const installed = providerTexts((await tenantResources(projects.get("installed")!))[0]!)[0] as string;
    expect(installed).toContain(REFERENCE);
    for (const resource of resources) {
      for (const text of providerTexts(resource)) {
        expect(text).toBe(installed); // byte for byte what an installed package stores
        expect((text as string).length).toBeLessThan(SMALL);
      }
    }
    for (const tenant of TENANTS) expect(await servedBody(emulator.origin, NS, `${layout}-${tenant}`)).toBe(`<h1>${layout} ${tenant}</h1>`);
  });

  it("state written by the by-value form still refreshes, updates and destroys (linked as a file: dependency)", async () => {
    const project = projects.get("file")!;
    const { stdout: byValue } = await promisify(execFile)(NODE, [join(__dirname, "fixtures", "by-value-provider.cjs")], {
      env: { ...process.env, REPO_ROOT },
      maxBuffer: 1 << 20,
    });
    expect(byValue).not.toContain(REFERENCE);
    expect(byValue.length).toBeGreaterThan(SMALL);
    const exported = JSON.parse(await project.exportStack()) as { deployment: ExportedDeployment };
    for (const resource of exported.deployment.resources ?? []) {
      if (resource.type !== "pulumi-nodejs:dynamic/wfp:UserWorkerAssets") continue;
      resource.inputs!.__provider = byValue;
      resource.outputs!.__provider = byValue;
    }
    await project.write("old-state.json", JSON.stringify(exported));
    await project.ok(["stack", "import", "--file", "old-state.json"]);
    expect(providerTexts((await tenantResources(project))[0]!)).toEqual([byValue, byValue]);

    // Refresh reads every tenant with the provider its state holds.
    await project.ok(["refresh", "--yes", "--skip-preview"]);

    // A changed site updates; the resource then carries the small form again.
    await project.write(`sites/file-alpha/public/index.html`, "<h1>file alpha, changed</h1>");
    await project.ok(["up", "--yes", "--skip-preview"]);
    expect(await servedBody(emulator.origin, NS, "file-alpha")).toBe("<h1>file alpha, changed</h1>");
    const alpha = (await tenantResources(project)).find((resource) => resource.urn.endsWith("file-alpha"))!;
    for (const text of providerTexts(alpha)) expect((text as string).length).toBeLessThan(SMALL);

    // The unchanged ones take the small form as inputs at once; their outputs keep the by-value text until their next
    // create or update (docs/pulumi-dynamic-providers.md §11.1), and destroy deletes them with it.
    const others = (await tenantResources(project)).filter((resource) => !resource.urn.endsWith("file-alpha"));
    expect(others.map((resource) => [resource.inputs?.__provider, resource.outputs?.__provider])).toEqual([
      [alpha.inputs?.__provider, byValue],
      [alpha.inputs?.__provider, byValue],
    ]);
    await project.ok(["destroy", "--yes", "--skip-preview"]);
    for (const tenant of TENANTS) expect(await servedBody(emulator.origin, NS, `file-${tenant}`)).toBeUndefined();
  });
});
