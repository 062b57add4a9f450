/**
 * The lifecycle every consumer language of the component package goes through (components-yaml.e2e.test.ts,
 * components-go.e2e.test.ts): create, no-op, one file changed (the preview names it), refresh after an out-of-band
 * redeploy, rename with an alias, destroy — each checked on what the emulator serves. The language's test file sets
 * the project up (the tenants `acme` with two pages and `beta` with one, in the `tenants` namespace) and says how
 * to write the renamed program.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { CloudflareClient } from "../../src/cloudflare/index.js";
import { deployAssets } from "../../src/deploy/index.js";
import { buildManifest } from "../../src/manifest/index.js";
import { EMULATOR_ACCOUNT, servedBody } from "../fixtures/emulator.mjs";
import { writeTree } from "../fixtures/sites.mjs";
import { guardSecrets, type PulumiProject } from "./pulumi-project.js";

/** The namespace the programs deploy into. */
export const COMPONENT_NS = "tenants";

/** The tenant folders every language's project starts with (under `sites/`). */
export const COMPONENT_SITES = {
  "acme/public/index.html": "<h1>acme</h1>",
  "acme/public/about.html": "<h1>about acme</h1>",
  "beta/public/index.html": "<h1>beta</h1>",
};

export interface ComponentProgram {
  /** Read when the tests run: the language's beforeAll sets these up. */
  project(): PulumiProject;
  api(): CloudflareClient;
  emulatorOrigin(): string;
  /** Writes the program with the component named `tenants` and an alias of its old name `fleet`. */
  renameComponent(): Promise<void>;
}

export function describeComponentLifecycle(language: string, target: ComponentProgram): void {
  const served = (script: string): Promise<string | undefined> => servedBody(target.emulatorOrigin(), COMPONENT_NS, script);

  describe(`TenantSites from a ${language} program`, { timeout: 300_000 }, () => {
    guardSecrets(() => [target.project()]);

    it("creates every tenant's site and reports URLs, file counts and etags", async () => {
      const project = target.project();
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
      const project = target.project();
      await project.ok(["preview", "--expect-no-changes"]);
      expect((await project.ok(["up", "--yes"])).output).toMatch(/5 unchanged/);
      expect(await served("acme")).toBe("<h1>acme</h1>");
    });

    it("names the one changed file in the preview and deploys it", async () => {
      const project = target.project();
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
      const project = target.project();
      const foreign = join(project.root, "foreign");
      await writeTree(foreign, { "index.html": "<h1>by hand</h1>" });
      await deployAssets(target.api(), { target: { accountId: EMULATOR_ACCOUNT, namespace: COMPONENT_NS, scriptName: "beta" }, assets: await buildManifest(foreign) });
      expect(await served("beta")).toBe("<h1>by hand</h1>");
      expect((await project.ok(["preview"])).output).toMatch(/5 unchanged/); // the state still matches the program
      const refresh = await project.ok(["refresh", "--yes"]);
      expect(refresh.output).toMatch(/~ 1 updated/);
      expect((await project.ok(["preview"])).output).toMatch(/~ 1 to update/);
      await project.ok(["up", "--yes"]);
      expect(await served("beta")).toBe("<h1>beta</h1>");
    });

    it("renames the component with an alias: nothing is replaced and every site keeps serving", async () => {
      const project = target.project();
      await target.renameComponent();
      const preview = await project.ok(["preview"]);
      expect(preview.output).not.toMatch(/to create|to delete|to replace/);
      const up = await project.ok(["up", "--yes"]);
      expect(up.output).not.toMatch(/created|deleted|Left the script/);
      expect(await served("acme")).toBe("<h1>acme v2</h1>");
      expect(await served("beta")).toBe("<h1>beta</h1>");
    });

    it("deletes every site on destroy", async () => {
      await target.project().ok(["destroy", "--yes"]);
      expect(await served("acme")).toBeUndefined();
      expect(await served("beta")).toBeUndefined();
    });
  });
}
