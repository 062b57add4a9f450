/**
 * Refactoring a program must never take a site down. Through the real CLI, with every assertion on what the emulator
 * then serves: renaming the TenantSites component, renaming a tenant folder that keeps its script name, moving a
 * resource into a component (each a create of new URNs followed by a delete of the old ones, over the same scripts);
 * duplicate script names and tenant paths outside the tenant folder are refused at preview; removed tags leave the
 * script.
 */
import { rename } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CloudflareClient, routes, scriptInfoSchema } from "../../src/cloudflare/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { servedBody } from "../fixtures/emulator.mjs";
import { guardSecrets, PulumiProject, pulumiBinDir } from "./pulumi-project.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "e2e-refactor-token-7c1d";
const NS = "tenants";

const FLEET_PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { TenantSites } from "pulumi-wfp-assets";

const c = new pulumi.Config("fleet");
const fleet = new TenantSites(c.get("component") ?? "tenants", {
  accountId: c.require("accountId"),
  namespace: c.require("namespace"),
  sitesDirectory: "sites",
}, { aliases: c.get("alias") ? [{ name: c.require("alias") }] : undefined });
export const scripts = fleet.scriptNames;
`;

const MOVE_PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { UserWorkerAssets } from "pulumi-wfp-assets";

class Group extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("e2e:index:Group", name, {}, opts);
  }
}
const c = new pulumi.Config("move");
const parent = c.getBoolean("wrapped") ? new Group("group") : undefined;
const site = new UserWorkerAssets("site", {
  accountId: c.require("accountId"),
  namespace: c.require("namespace"),
  scriptName: "moving",
  directory: "public",
  tags: c.getObject<string[]>("tags"),
}, { parent });
if (c.getBoolean("duplicate")) {
  new UserWorkerAssets("copy", { accountId: c.require("accountId"), namespace: c.require("namespace"), scriptName: "moving", directory: "public" });
}
export const etag = site.etag;
`;

let emulator: RunningEmulator;
let api: CloudflareClient;
const projects: PulumiProject[] = [];

const served = (script: string, path = "/"): Promise<string | undefined> => servedBody(emulator.origin, NS, script, path);

async function project(name: string, program: string, files: Record<string, string>, config: Record<string, string>): Promise<PulumiProject> {
  const p = await PulumiProject.create({ name, program, files, env: { CLOUDFLARE_API_BASE_URL: emulator.url, CLOUDFLARE_API_TOKEN: TOKEN } });
  p.secrets.add(TOKEN);
  projects.push(p);
  await p.initStack("dev", config);
  return p;
}

/** The scripts the update's warnings say were left in place (each warning shows in the progress and in Diagnostics). */
function leftInPlace(output: string): string[] {
  return [...new Set([...output.matchAll(/warning: Left the script "([^"]+)"/g)].map((m) => m[1]!))].sort();
}

beforeAll(async () => {
  await pulumiBinDir();
  emulator = await startEmulator({ tokens: [TOKEN] });
  api = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: TOKEN } });
  await api.request({ method: "POST", path: routes.namespacesPath(ACCOUNT), json: { name: NS }, schema: z.unknown() });
}, 45 * 60_000);

afterAll(async () => {
  for (const p of projects) await p.dispose();
  await api?.close();
  await emulator?.close();
});

describe("TenantSites refactors keep every site serving", { timeout: 300_000 }, () => {
  let fleet: PulumiProject;
  guardSecrets(() => projects);

  beforeAll(async () => {
    fleet = await project(
      "wfp-refactor",
      FLEET_PROGRAM,
      {
        "sites/alpha/public/index.html": "<h1>alpha</h1>",
        "sites/beta/public/index.html": "<h1>beta</h1>",
        "sites/gamma/public/index.html": "<h1>gamma</h1>",
      },
      { "fleet:accountId": ACCOUNT, "fleet:namespace": NS },
    );
    await fleet.ok(["up", "--yes"]);
  });

  it("serves the three tenants", async () => {
    expect([await served("alpha"), await served("beta"), await served("gamma")]).toEqual(["<h1>alpha</h1>", "<h1>beta</h1>", "<h1>gamma</h1>"]);
  });

  it("renaming the component keeps every site up and says which scripts it left in place", async () => {
    await fleet.ok(["config", "set", "fleet:component", "fleet"]);
    const up = await fleet.ok(["up", "--yes"]);
    expect(up.output).toMatch(/5 created/); // the component, its three sites and its orphan watch, under new URNs
    expect(up.output).toMatch(/5 deleted/);
    expect(leftInPlace(up.output)).toEqual(["alpha", "beta", "gamma"]);
    expect(up.output).toMatch(/deployed again since this resource last deployed or refreshed it/);
    expect([await served("alpha"), await served("beta"), await served("gamma")]).toEqual(["<h1>alpha</h1>", "<h1>beta</h1>", "<h1>gamma</h1>"]);
    // The new resources own the scripts: nothing to do on the next run, and refresh sees no drift.
    expect((await fleet.ok(["preview", "--refresh"])).output).toMatch(/6 unchanged/);
  });

  it("a rename declared with aliases is a no-op", async () => {
    await fleet.ok(["config", "set", "fleet:component", "fleet2"]);
    await fleet.ok(["config", "set", "fleet:alias", "fleet"]);
    const preview = await fleet.ok(["preview"]);
    expect(preview.output).toMatch(/6 unchanged/);
    expect(preview.output).not.toMatch(/to create|to delete/);
    const up = await fleet.ok(["up", "--yes"]);
    expect(leftInPlace(up.output)).toEqual([]);
    expect(await served("gamma")).toBe("<h1>gamma</h1>");
  });

  it("renaming a tenant folder that keeps its scriptName keeps that site up", async () => {
    await rename(join(fleet.dir, "sites", "beta"), join(fleet.dir, "sites", "beta-renamed"));
    await fleet.write("sites/beta-renamed/tenant.json", JSON.stringify({ scriptName: "beta" }));
    const up = await fleet.ok(["up", "--yes"]);
    expect(leftInPlace(up.output)).toEqual(["beta"]);
    expect(await served("beta")).toBe("<h1>beta</h1>");
    expect(await served("alpha")).toBe("<h1>alpha</h1>");
  });

  it("refuses two tenant folders with one script name at preview, naming both folders", async () => {
    await fleet.write("sites/delta/public/index.html", "<h1>delta</h1>");
    await fleet.write("sites/delta/tenant.json", JSON.stringify({ scriptName: "alpha" }));
    const preview = await fleet.pulumi(["preview"]);
    expect(preview.code).not.toBe(0);
    expect(preview.output).toMatch(/tenant folders "alpha" and "delta" both deploy the script "alpha"/);
    expect(preview.output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    await fleet.remove("sites/delta");
    expect(await served("alpha")).toBe("<h1>alpha</h1>");
  });

  it("refuses a tenant path outside the tenant's folder, naming the tenant and the path", async () => {
    await fleet.write("sites/gamma/tenant.json", JSON.stringify({ publicDirectory: "../../.." }));
    const preview = await fleet.pulumi(["preview"]);
    expect(preview.code).not.toBe(0);
    expect(preview.output).toMatch(/tenant "gamma": publicDirectory "..\/..\/.." points outside the tenant's folder/);
    await fleet.write("sites/gamma/tenant.json", JSON.stringify({ worker: { mainModule: "../alpha/x.js" } }));
    expect((await fleet.pulumi(["preview"])).output).toMatch(/tenant "gamma": worker.mainModule "..\/alpha\/x.js" points outside/);
    await fleet.remove("sites/gamma/tenant.json");
    expect((await fleet.ok(["preview"])).output).toMatch(/6 unchanged/);
  });

  it("destroy takes the sites down", async () => {
    await fleet.ok(["destroy", "--yes"]);
    expect([await served("alpha"), await served("beta"), await served("gamma")]).toEqual([undefined, undefined, undefined]);
  });
});

describe("moving a resource into a component, and its tags", { timeout: 300_000 }, () => {
  let moving: PulumiProject;
  guardSecrets(() => projects);

  const liveTags = async (): Promise<string[]> => {
    const { result } = await api.request({ method: "GET", path: routes.scriptPath({ accountId: ACCOUNT, namespace: NS, scriptName: "moving" }), schema: scriptInfoSchema });
    return result.script.tags ?? [];
  };

  beforeAll(async () => {
    moving = await project("wfp-move", MOVE_PROGRAM, { "public/index.html": "<h1>moving</h1>" }, { "move:accountId": ACCOUNT, "move:namespace": NS });
    await moving.ok(["up", "--yes"]);
  });

  it("keeps the site up when the resource moves under a component", async () => {
    expect(await served("moving")).toBe("<h1>moving</h1>");
    await moving.ok(["config", "set", "move:wrapped", "true"]);
    const up = await moving.ok(["up", "--yes"]);
    expect(leftInPlace(up.output)).toEqual(["moving"]);
    expect(await served("moving")).toBe("<h1>moving</h1>");
  });

  it("sets the owner tag next to the user's tags, and removing tags removes them", async () => {
    expect(await liveTags()).toEqual(["wfp-owner=wfp-move/dev"]);
    await moving.writeStackConfig({ "move:accountId": ACCOUNT, "move:namespace": NS, "move:wrapped": "true", "move:tags": ["tenant:moving", "plan:pro"] });
    await moving.ok(["up", "--yes"]);
    expect(await liveTags()).toEqual(["tenant:moving", "plan:pro", "wfp-owner=wfp-move/dev"]);
    await moving.writeStackConfig({ "move:accountId": ACCOUNT, "move:namespace": NS, "move:wrapped": "true", "move:tags": [] });
    await moving.ok(["up", "--yes"]);
    expect(await liveTags()).toEqual(["wfp-owner=wfp-move/dev"]);
  });

  it("refuses a second resource of the program deploying the same script, naming both", async () => {
    await moving.ok(["config", "set", "move:duplicate", "true"]);
    const preview = await moving.pulumi(["preview"]);
    expect(preview.code).not.toBe(0);
    expect(preview.output).toMatch(/the script "moving" in dispatch namespace "tenants" is already deployed by the resource "(site|copy)" of this program/);
    await moving.ok(["config", "rm", "move:duplicate"]);
    expect(await served("moving")).toBe("<h1>moving</h1>");
  });

  it("refuses the owner tag's prefix and an eighth tag at preview", async () => {
    const tags = ["a", "b", "c", "d", "e", "f", "g", "h"];
    await moving.writeStackConfig({ "move:accountId": ACCOUNT, "move:namespace": NS, "move:wrapped": "true", "move:tags": tags });
    expect((await moving.pulumi(["preview"])).output).toMatch(/at most 7 tags/);
    await moving.writeStackConfig({ "move:accountId": ACCOUNT, "move:namespace": NS, "move:wrapped": "true", "move:tags": ["wfp-owner=someone/else"] });
    expect((await moving.pulumi(["preview"])).output).toMatch(/reserved for the owner marker/);
    await moving.writeStackConfig({ "move:accountId": ACCOUNT, "move:namespace": NS, "move:wrapped": "true" });
  });
});
