/**
 * `pulumi up` SIGKILLed in the middle of uploading a 20,000-file site — pulumi, its language host, the program
 * and the provider process all at once, as a CI runner kills a cancelled job — then the documented recovery
 * (README, "Recovering from a killed deploy"):
 *
 *   pulumi cancel --yes                              # the killed run's stack lock
 *   pulumi refresh --clear-pending-creates --yes     # its pending operation
 *   pulumi up --yes                                  # uploads only what is missing
 *
 * A slow link (a proxy that holds each bucket upload for a while) makes the upload slow enough to kill mid-way;
 * the kill comes once buckets have been stored, with more in flight.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScriptTarget } from "../../src/cloudflare/index.js";
import { BULK_UPLOAD_CONCURRENCY } from "../../src/deploy/upload.js";
import type { StoreStats } from "../../src/emulator/index.js";
import { buildManifest, type BuiltManifest } from "../../src/manifest/index.js";
import { ACCOUNT, API_TOKEN, expectSiteLive, scriptStats, startHarness, UPLOAD_ROUTE, type Harness } from "../reliability/harness.js";
import { isAlive } from "./process-tree.js";
import { startSlowLink, type SlowLink } from "./slow-link.js";
import { guardSecrets, PulumiProject, pulumiBinDir, type ExportedDeployment, type RunningPulumi } from "./pulumi-project.js";

const FILES = 20_000;
const DIRS = 40;
const BUCKET_FILES = 500;
const TARGET: ScriptTarget = { accountId: ACCOUNT, namespace: "tenants", scriptName: "big" };
const STORE = "namespace:tenants";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { UserWorkerAssets } from "pulumi-wfp-assets";

const config = new pulumi.Config("site");
const site = new UserWorkerAssets("big", {
  accountId: config.require("accountId"),
  namespace: "tenants",
  scriptName: "big",
  directory: "public",
});
export const fileCount = site.fileCount;
export const uploadedFiles = site.uploadedFiles;
`;

let h: Harness;
let link: SlowLink;
let project: PulumiProject;

async function store(): Promise<StoreStats> {
  const stats = (await h.emu.stats()).accounts[ACCOUNT]!;
  return stats.stores[STORE] ?? { uploadRequests: 0, filesUploaded: 0, bytesUploaded: 0, perHash: {}, blobs: 0 };
}

async function uploadRequestsRouted(): Promise<number> {
  return (await h.emu.stats()).accounts[ACCOUNT]!.requests[UPLOAD_ROUTE] ?? 0;
}

/** Writes `count` files of distinct content (so distinct hashes) under public/, `version` in every one. */
async function writeSite(count: number, version: string): Promise<void> {
  for (let d = 0; d < DIRS; d++) {
    const perDir = Math.ceil(FILES / DIRS);
    const batch = Array.from({ length: perDir }, (_, i) => d * perDir + i).filter((n) => n < count);
    await Promise.all(batch.map((n) => project.write(join("public", `d${d}`, `page-${n}.html`), `<p>page ${n} ${version}</p>`)));
  }
}

async function outputs(): Promise<Record<string, unknown>> {
  return JSON.parse((await project.ok(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
}

interface Kill {
  /**
   * Bucket requests that had reached the emulator but were not answered at the kill: stored although their client
   * is gone, so the recovery may send their files again. At most BULK_UPLOAD_CONCURRENCY. (Requests the slow link
   * still held never reach the emulator.)
   */
  bucketsInFlight: number;
}

/**
 * Starts `pulumi up`, waits until at least `minNewFiles` files are stored (and pulumi printed a bucket line), then
 * kills the whole process tree and waits for the emulator to finish whatever requests were in flight.
 */
async function upKilledMidUpload(minNewFiles: number): Promise<Kill> {
  const filesBefore = (await store()).filesUploaded;
  const routedBefore = await uploadRequestsRouted();
  const run: RunningPulumi = await project.start(["up", "--yes"]);
  let exitedEarly = false;
  void run.exited.then(
    () => (exitedEarly = true),
    () => (exitedEarly = true),
  );
  const deadline = Date.now() + 180_000;
  for (;;) {
    const stored = (await store()).filesUploaded - filesBefore;
    if (stored >= minNewFiles && /uploaded bucket \d+\/\d+/.test(run.output())) break;
    if (exitedEarly) throw new Error(`pulumi up ended before it could be killed mid-upload:\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`no upload progress to kill in:\n${run.output()}`);
    await sleep(50);
  }
  const filesAtKill = (await store()).filesUploaded;
  const killed = run.killTree();
  const result = await run.exited;
  expect(result.code, "killed, not exited").toBeNull();
  // The kill reached the provider (a process group of its own), not just the CLI.
  expect(killed.map((p) => p.command).join("\n")).toMatch(/dynamic-provider/);
  await sleep(200);
  expect(killed.filter((p) => isAlive(p.pid)), "every process of the killed run is gone").toEqual([]);
  // Buckets already forwarded to the emulator are stored even though their client is gone; wait for those.
  for (const until = Date.now() + 60_000; link.pending > 0; await sleep(50)) {
    if (Date.now() > until) throw new Error(`${link.pending} requests still unsettled a minute after the kill`);
  }
  // Every bucket here holds exactly BUCKET_FILES files, so stored files / BUCKET_FILES = buckets answered.
  const answered = Math.floor((filesAtKill - filesBefore) / BUCKET_FILES);
  return { bucketsInFlight: (await uploadRequestsRouted()) - routedBefore - answered };
}

/** The documented recovery up to its last step (`pulumi up`, which the test runs), each step checked. */
async function releaseStack(): Promise<void> {
  const locked = await project.pulumi(["up", "--yes"]);
  expect(locked.code).not.toBe(0);
  expect(locked.output).toMatch(/the stack is currently locked by 1 lock\(s\)/);
  expect(locked.output).toMatch(/pulumi cancel/);

  await project.ok(["cancel", "--yes"]);
  await project.ok(["refresh", "--clear-pending-creates", "--yes"]);
  const state = (await project.checkStateForSecrets()).dev!;
  expect(state.pending_operations ?? [], "refresh cleared the pending operation").toEqual([]);
}

function pendingOperations(state: ExportedDeployment): string[] {
  return (state.pending_operations ?? []).map((op) => `${op.type} ${op.resource.urn.split("::").at(-1)}`);
}

/**
 * Between `before` and `final` (one killed run plus its recovery): at most the files of the buckets in flight at
 * the kill went up twice, nothing more often, and the counters add up.
 */
function expectUploadsBounded(before: StoreStats, final: StoreStats, newFiles: number, kill: Kill): void {
  expect(kill.bucketsInFlight).toBeGreaterThanOrEqual(0);
  expect(kill.bucketsInFlight).toBeLessThanOrEqual(BULK_UPLOAD_CONCURRENCY);
  const inFlightFiles = kill.bucketsInFlight * BUCKET_FILES;
  const uploads = Object.entries(final.perHash).map(([hash, n]) => n - (before.perHash[hash] ?? 0));
  expect(Math.max(...uploads)).toBeLessThanOrEqual(2);
  expect(uploads.filter((n) => n === 2).length).toBeLessThanOrEqual(inFlightFiles);
  expect(uploads.reduce((a, b) => a + b, 0)).toBe(final.filesUploaded - before.filesUploaded);
  expect(final.filesUploaded - before.filesUploaded).toBeLessThanOrEqual(newFiles + inFlightFiles);
}

beforeAll(async () => {
  await pulumiBinDir();
  h = await startHarness({ maxBucketFiles: BUCKET_FILES });
  await h.createNamespace("tenants");
  link = await startSlowLink(h.emu.origin, (method, url) => method === "POST" && url.includes("/workers/assets/upload"));
  project = await PulumiProject.create({ name: "wfp-crash", program: PROGRAM, env: { CLOUDFLARE_API_BASE_URL: link.url } });
  project.secrets.add(API_TOKEN);
  await writeSite(FILES, "v1");
  await project.initStack("dev", { "site:accountId": ACCOUNT }, { "cloudflare:apiToken": API_TOKEN });
}, 10 * 60_000);

afterAll(async () => {
  await project?.dispose();
  await link?.close();
  await h?.close();
});

describe("a deploy killed mid-upload resumes", { timeout: 600_000 }, () => {
  guardSecrets(() => [project]);

  it("first deploy of 20,000 files: killed, recovered, only the missing files uploaded", async () => {
    const before = await store();
    link.setDelay(400);
    const kill = await upKilledMidUpload(2 * BUCKET_FILES);
    link.setDelay(0);

    const afterKill = await store();
    expect(afterKill.blobs).toBeGreaterThanOrEqual(2 * BUCKET_FILES);
    expect(afterKill.blobs).toBeLessThan(FILES);
    expect(scriptStats(await h.emu.stats(), TARGET), "nothing attached").toBeUndefined();
    // What the killed run left: the stack lock (file backend) and a pending create.
    const left = (await project.checkStateForSecrets()).dev!;
    expect(pendingOperations(left)).toEqual(["creating big"]);

    await releaseStack();
    const beforeUp = await store();
    const missing = FILES - beforeUp.blobs;
    const up = (await project.ok(["up", "--yes"])).output;
    expect(up).toMatch(new RegExp(`tenants/big: ${missing} new of 20000 files`));
    expect(up).toMatch(/\+ 1 created/);

    const final = await store();
    expect(final.filesUploaded - beforeUp.filesUploaded, "the recovery uploaded exactly the missing files").toBe(missing);
    expect(await outputs()).toMatchObject({ fileCount: FILES, uploadedFiles: missing });
    expect(final.blobs).toBe(FILES);
    expectUploadsBounded(before, final, FILES, kill);

    const built = await buildManifest(join(project.dir, "public"));
    await expectSiteLive(h, TARGET, built);
    const state = (await project.checkStateForSecrets()).dev!;
    expect(pendingOperations(state)).toEqual([]);
    expect((state.resources ?? []).filter((r) => r.type.endsWith("UserWorkerAssets")).length).toBe(1);
    expect((await project.ok(["preview"])).output).toMatch(/2 unchanged/);
  });

  it("an update killed mid-upload leaves the old site live, and the same steps recover it", async () => {
    const CHANGED = 5_000;
    const oldSite: BuiltManifest = await buildManifest(join(project.dir, "public"));
    const before = await store();
    const putsBefore = scriptStats(await h.emu.stats(), TARGET)!.puts;
    await writeSite(CHANGED, "v2");

    link.setDelay(1000);
    const kill = await upKilledMidUpload(BUCKET_FILES);
    link.setDelay(0);

    const live = scriptStats(await h.emu.stats(), TARGET)!;
    expect(live.puts, "nothing attached").toBe(putsBefore);
    expect(live.manifest, "the old site is still live").toEqual(oldSite.manifest);
    const left = (await project.checkStateForSecrets()).dev!;
    expect(pendingOperations(left)).toEqual(["updating big"]);

    await releaseStack();
    const beforeUp = await store();
    const missing = before.blobs + CHANGED - beforeUp.blobs;
    const up = (await project.ok(["up", "--yes"])).output;
    expect(up).toMatch(new RegExp(`tenants/big: ${missing} new of 20000 files`));
    expect(up).toMatch(/~ 1 updated/);

    const final = await store();
    expect(final.filesUploaded - beforeUp.filesUploaded, "the recovery uploaded exactly the missing files").toBe(missing);
    expect(final.blobs).toBe(FILES + CHANGED);
    expectUploadsBounded(before, final, CHANGED, kill);
    await expectSiteLive(h, TARGET, await buildManifest(join(project.dir, "public")));
    expect(pendingOperations((await project.checkStateForSecrets()).dev!)).toEqual([]);
  });
});
