/**
 * The orphan I/O (src/deploy/owned-scripts.ts): the owner-filtered listing, page by page and stoppable, and deleting
 * orphans only while they are as listed — against the emulator, asserting what it then serves.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CloudflareClient, routes } from "../../src/cloudflare/index.js";
import { deployAssets } from "../../src/deploy/index.js";
import { findOrphans } from "../../src/deploy/orphans.js";
import { deleteOrphans, listOwnedScripts } from "../../src/deploy/owned-scripts.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { buildManifest } from "../../src/manifest/index.js";
import { startServer, type LoopbackServer } from "../cloudflare/loopback-server.js";
import { servedBody } from "../fixtures/emulator.mjs";
import { writeTree } from "../fixtures/sites.mjs";
import { tempDir } from "../emulator/helpers.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "owned-scripts-token-1a";
const NS = "fleet";
const OWNER = "platform/prod";

let emulator: RunningEmulator;
let client: CloudflareClient;
let work: { dir: string; cleanup(): Promise<void> };
let server: LoopbackServer | undefined;

async function deploy(script: string, page: string, tags: string[]): Promise<void> {
  const dir = `${work.dir}/${script}-${Date.now()}`;
  await writeTree(dir, { "index.html": page });
  await deployAssets(client, { target: { accountId: ACCOUNT, namespace: NS, scriptName: script }, assets: await buildManifest(dir), tags });
}

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [TOKEN] });
  client = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: TOKEN } });
  await client.request({ method: "POST", path: routes.namespacesPath(ACCOUNT), json: { name: NS }, schema: z.unknown() });
  work = await tempDir();
  await deploy("declared", "<h1>declared</h1>", [`wfp-owner=${OWNER}`]);
  await deploy("orphan-a", "<h1>a</h1>", ["plan:pro", `wfp-owner=${OWNER}`]);
  await deploy("orphan-b", "<h1>b</h1>", [`wfp-owner=${OWNER}`]);
  await deploy("other-stack", "<h1>other</h1>", ["wfp-owner=platform/staging"]);
  await deploy("by-hand", "<h1>hand</h1>", []);
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(async () => {
  await client?.close();
  await emulator?.close();
  await work?.cleanup();
});

describe("listOwnedScripts", () => {
  it("lists only the owner's scripts, in one filtered call", async () => {
    const before = (await emulator.stats()).accounts[ACCOUNT]!.requests["GET namespace-scripts"] ?? 0;
    const owned = await listOwnedScripts(client, ACCOUNT, NS, OWNER);
    expect(owned.complete).toBe(true);
    expect(owned.scripts.map((s) => s.id).sort()).toEqual(["declared", "orphan-a", "orphan-b"]);
    expect((await emulator.stats()).accounts[ACCOUNT]!.requests["GET namespace-scripts"]).toBe(before + 1);
  });

  it("asks before each page of 1,000, and stops when told", async () => {
    const tagsSeen: Array<string | null> = [];
    server = await startServer((req, res) => {
      const url = new URL(req.url, "http://x");
      tagsSeen.push(url.searchParams.get("tags"));
      const first = !url.searchParams.get("cursor");
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ success: true, errors: [], messages: [], result: [{ id: first ? "p1" : "p2", modified_on: "2026-12-07T00:00:00Z" }], result_info: { count: 1, cursor: first ? "next" : "" } }));
    });
    const loopback = new CloudflareClient({ baseUrl: server.baseUrl, credentials: { apiToken: "t0k3n-owned" } });
    try {
      const all = await listOwnedScripts(loopback, ACCOUNT, NS, OWNER);
      expect(all).toEqual({ scripts: [{ id: "p1", modifiedOn: "2026-12-07T00:00:00Z" }, { id: "p2", modifiedOn: "2026-12-07T00:00:00Z" }], complete: true });
      expect(tagsSeen).toEqual([`wfp-owner=${OWNER}:yes`, `wfp-owner=${OWNER}:yes`]);
      let asked = 0;
      const first = await listOwnedScripts(loopback, ACCOUNT, NS, OWNER, () => asked++ === 0);
      expect(first).toEqual({ scripts: [{ id: "p1", modifiedOn: "2026-12-07T00:00:00Z" }], complete: false });
      expect(await listOwnedScripts(loopback, ACCOUNT, NS, OWNER, () => false)).toEqual({ scripts: [], complete: false });
      expect(server.requests).toHaveLength(3);
    } finally {
      await loopback.close();
    }
  });
});

describe("deleteOrphans", () => {
  it("deletes the orphans still as listed and leaves one deployed again since, which keeps serving", async () => {
    const orphans = findOrphans((await listOwnedScripts(client, ACCOUNT, NS, OWNER)).scripts, ["declared"]);
    expect(orphans.map((o) => o.name)).toEqual(["orphan-a", "orphan-b"]);
    await deploy("orphan-b", "<h1>b, again</h1>", [`wfp-owner=${OWNER}`]);
    const outcomes = await deleteOrphans(client, { accountId: ACCOUNT, namespace: NS }, [...orphans, { name: "vanished", modifiedOn: "2026-01-01T00:00:00Z" }], OWNER);
    expect(outcomes).toEqual([
      { name: "orphan-a", outcome: "deleted" },
      { name: "orphan-b", outcome: "left", reason: expect.stringMatching(/^it was deployed again since the listing/) },
      { name: "vanished", outcome: "gone" },
    ]);
    expect(await servedBody(emulator.origin, NS, "orphan-a")).toBeUndefined();
    expect(await servedBody(emulator.origin, NS, "orphan-b")).toBe("<h1>b, again</h1>");
    for (const kept of ["declared", "other-stack", "by-hand"]) expect(await servedBody(emulator.origin, NS, kept)).toBeDefined();
  });
});
