/**
 * The fault matrix: each case deploys a small site through the real client against the emulator with one kind
 * of fault switched on, then checks the end state — the site live exactly as declared (manifest and every blob
 * byte for byte), or a typed error with the previous version still live — plus that every extra upload is
 * explained by a retry, that progress showed the retries, and that no output carries a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudflareApiError, type ClientOptions, type ScriptTarget } from "../../src/cloudflare/index.js";
import { DeployError, deployAssets, getScript, type DeployOptions, type DeployResult } from "../../src/deploy/index.js";
import { ManifestError, type BuiltManifest } from "../../src/manifest/index.js";
import { writeFile } from "node:fs/promises";
import {
  ACCOUNT,
  ProgressRecorder,
  type Harness,
  type SiteSpec,
  type TrackingClient,
  UPLOAD_ROUTE,
  errorTexts,
  expectEachUploadedOnce,
  expectNoSecrets,
  expectSiteLive,
  expectUploadsExplained,
  scriptStats,
  settle,
  site,
  startHarness,
  uniqueHashes,
} from "./harness.js";

let h: Harness;
/** Every progress line, event and error message of the file, for the final secret check. */
const outputs: string[] = [];

beforeAll(async () => {
  // Three files per bucket: even a 20-file site makes several buckets, so concurrency and resumption show.
  h = await startHarness({ maxBucketFiles: 3 });
});
afterAll(() => h.close());

interface Case {
  target: ScriptTarget;
  built: BuiltManifest;
}

let caseCount = 0;
/** A fresh namespace per case, so its store's counters (perHash, blobs) belong to that case alone. */
async function newCase(spec: Partial<SiteSpec> = {}): Promise<Case> {
  const name = `case-${++caseCount}`;
  await h.createNamespace(name);
  const built = await site(h, `${name}-v1`, { files: 20, tenant: name, ...spec });
  return { target: { accountId: ACCOUNT, namespace: name, scriptName: "site" }, built };
}

interface Run {
  client: TrackingClient;
  progress: ProgressRecorder;
  result: DeployResult | undefined;
  error: unknown;
}

async function deploy(c: Case, faults: string | undefined, opts: { client?: Partial<ClientOptions>; deploy?: DeployOptions; assets?: BuiltManifest } = {}): Promise<Run> {
  const client = h.client(opts.client);
  const progress = new ProgressRecorder();
  h.emu.setFaults(faults);
  try {
    const outcome = await settle(deployAssets(client, { target: c.target, assets: opts.assets ?? c.built }, { ...opts.deploy, onProgress: progress.listener }));
    outputs.push(...progress.lines, JSON.stringify(progress.events));
    if (!outcome.ok) outputs.push(...errorTexts(outcome.error));
    return { client, progress, result: outcome.ok ? outcome.value : undefined, error: outcome.ok ? undefined : outcome.error };
  } finally {
    h.emu.setFaults(undefined);
  }
}

/** The common end-state checks of a case that must succeed. */
async function expectDeployed(c: Case, run: Run): Promise<DeployResult> {
  expect(run.error).toBeUndefined();
  await expectSiteLive(h, c.target, c.built);
  await expectUploadsExplained(h, c.target, run.client, run.progress);
  expect(run.result!.retries).toBe(run.progress.retries().length);
  expect(run.progress.lines.filter((l) => l.startsWith("retry ")).length).toBe(run.progress.retries().length);
  expectNoSecrets(h, outputs);
  return run.result!;
}

async function uploadRequestCount(): Promise<number> {
  return (await h.emu.stats()).accounts[ACCOUNT]?.requests[UPLOAD_ROUTE] ?? 0;
}

describe("deploys that succeed despite faults", () => {
  it("baseline: no faults, every file uploaded once, no retries", async () => {
    const c = await newCase();
    const run = await deploy(c, undefined);
    const result = await expectDeployed(c, run);
    await expectEachUploadedOnce(h, c.target, c.built);
    expect(result.retries).toBe(0);
    expect(result.uploadedFiles).toBe(uniqueHashes(c.built).size);
  });

  it("10% of upload requests answer 500/502/503 (seeded): retried, each file stored once", async () => {
    const c = await newCase({ files: 40 });
    const before = await uploadRequestCount();
    const run = await deploy(c, "seed=4; upload=500@0.04; upload=502@0.03; upload=503@0.03");
    await expectDeployed(c, run);
    await expectEachUploadedOnce(h, c.target, c.built);
    const retries = run.progress.uploadRetries();
    expect(retries.length).toBeGreaterThan(0);
    for (const r of retries) expect(r.reason).toMatch(/^HTTP 50[023]$/);
    // Every upload request the emulator saw is a first attempt or one of the retries progress reported.
    expect((await uploadRequestCount()) - before).toBe(run.result!.buckets + retries.length);
    expect(run.progress.lines.some((l) => /^retry 1\/4 of POST .*\/workers\/assets\/upload\?base64=true after HTTP 50[023]; waiting \d+\.\ds$/.test(l))).toBe(true);
    // A gateway answer (502/503) drops the uploads to one at a time; a plain 500 does not.
    const gateway = retries.some((r) => r.status === 502 || r.status === 503);
    expect(run.progress.of("concurrency").length).toBe(gateway ? 1 : 0);
  });

  it("10% of every request (session, uploads, script PUT) answers 503: the whole flow retries", async () => {
    const c = await newCase({ files: 30 });
    const run = await deploy(c, "seed=2; *=503@0.1");
    await expectDeployed(c, run);
    await expectEachUploadedOnce(h, c.target, c.built);
    expect(run.progress.retries().length).toBeGreaterThan(0);
    expect(run.progress.retries().every((r) => r.reason === "HTTP 503")).toBe(true);
  });

  it("a burst of 524s drops upload concurrency to 1 for the rest of the session", async () => {
    const c = await newCase({ files: 40 });
    // Latency keeps the first buckets overlapping, so the tracker can see concurrency before the drop.
    const run = await deploy(c, "upload=latency:60; upload=524*2+4");
    await expectDeployed(c, run);
    await expectEachUploadedOnce(h, c.target, c.built);
    const [drop, ...more] = run.progress.of("concurrency");
    expect(drop).toMatchObject({ from: 3, to: 1, reason: "HTTP 524" });
    expect(more).toEqual([]);
    expect(run.progress.lines).toContain("upload concurrency 3 → 1 (HTTP 524)");
    expect(run.progress.uploadRetries().map((r) => r.reason)).toEqual(["HTTP 524", "HTTP 524"]);
    const before = run.client.uploads.filter((u) => u.started < drop!.at);
    const after = run.client.uploads.filter((u) => u.started > drop!.at);
    expect(Math.max(...before.map((u) => u.inFlightAtStart))).toBeGreaterThanOrEqual(1);
    expect(after.length).toBeGreaterThanOrEqual(2);
    // Each bucket started after the drop found nothing else in flight: at most one upload at a time.
    expect(after.map((u) => u.inFlightAtStart)).toEqual(after.map(() => 0));
  });

  it("429 with Retry-After: the next attempt waits at least that long", async () => {
    const c = await newCase({ files: 6 });
    const run = await deploy(c, "upload=429:1*1");
    await expectDeployed(c, run);
    await expectEachUploadedOnce(h, c.target, c.built);
    const [retry, ...others] = run.progress.of("retry");
    expect(others).toEqual([]);
    expect(retry!.retry).toMatchObject({ status: 429, delayMs: 1000, reason: "HTTP 429 (Retry-After 1s)" });
    expect(run.progress.lines).toContain(
      `retry 1/4 of POST /accounts/${ACCOUNT}/workers/assets/upload?base64=true after HTTP 429 (Retry-After 1s); waiting 1.0s`,
    );
    const retried = run.client.uploads.find((u) => u.attempts.length === 2)!;
    // From the moment the 429 was reported to the next attempt. Node's timers run on a clock cached per event
    // loop turn, so allow a few ms of that; speed is not asserted otherwise.
    expect(retried.attempts[1]! - retry!.at).toBeGreaterThanOrEqual(1000 - 15);
  });

  it("connection resets on session, uploads and the script PUT are retried", async () => {
    const c = await newCase({ files: 30 });
    const run = await deploy(c, "seed=6; session=reset*1; upload=reset@0.25; put=reset*1");
    await expectDeployed(c, run);
    await expectEachUploadedOnce(h, c.target, c.built);
    const reasons = run.progress.retries().map((r) => r.reason);
    expect(run.progress.retries("assets-upload-session")).toHaveLength(1);
    expect(run.progress.uploadRetries().length).toBeGreaterThan(0);
    expect(run.progress.retries().filter((r) => r.method === "PUT")).toHaveLength(1);
    for (const reason of reasons) expect(reason).toMatch(/ECONNRESET|EPIPE|UND_ERR_SOCKET|socket/);
  });

  it("a stalled upload times out on the client (timeoutMs) and is retried", async () => {
    const c = await newCase({ files: 6 });
    const run = await deploy(c, "upload=stall:5*1", { client: { timeoutMs: 2000 } });
    await expectDeployed(c, run);
    await expectEachUploadedOnce(h, c.target, c.built);
    expect(run.progress.uploadRetries().map((r) => r.reason)).toContain("timeout after 2s");
  });

  it("upload JWT expires mid-upload (server clock ahead of the client's): new session, only missing files sent", async () => {
    const c = await newCase({ files: 24 });
    // 2 s tokens, 400 ms per bucket one at a time: the token lapses after a few buckets. The client's clock is
    // held at the epoch, so it cannot see the expiry coming and must recover from the server's 401.
    const run = await deploy(c, "jwt=2; upload=latency:400", { deploy: { concurrency: 1, now: () => 0 } });
    await expectDeployed(c, run);
    await expectEachUploadedOnce(h, c.target, c.built);
    const sessions = run.progress.of("session");
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    expect(run.progress.of("session-renewed")[0]!.reason).toMatch(/expired or was refused/);
    expect(sessions[1]!.newFiles).toBeGreaterThan(0);
    expect(sessions[1]!.newFiles).toBeLessThan(sessions[0]!.newFiles);
    // The refused bucket reached the server with an expired token and stored nothing.
    expect(run.client.uploads.some((u) => u.ok === false)).toBe(true);
    expect(run.result!.uploadedFiles).toBe(uniqueHashes(c.built).size);
  });

  it("upload JWT shorter than the renewal margin: renewed before it lapses, only missing files sent", async () => {
    const c = await newCase({ files: 24 });
    const run = await deploy(c, "jwt=2; upload=latency:400", { deploy: { concurrency: 1 } });
    await expectDeployed(c, run);
    await expectEachUploadedOnce(h, c.target, c.built);
    const sessions = run.progress.of("session");
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    expect(sessions[1]!.newFiles).toBeLessThan(sessions[0]!.newFiles);
    expect(run.result!.uploadedFiles).toBe(uniqueHashes(c.built).size);
  });

  it("no completion JWT after the last bucket (nocomplete): one fresh session hands it over", async () => {
    const c = await newCase();
    const run = await deploy(c, "upload=nocomplete");
    await expectDeployed(c, run);
    await expectEachUploadedOnce(h, c.target, c.built);
    const sessions = run.progress.of("session");
    expect(sessions).toHaveLength(2);
    expect(sessions[1]!.newFiles).toBe(0);
    expect(run.progress.of("session-renewed").map((e) => e.reason)).toEqual(["no completion token after the last bucket"]);
    expect(run.result!.sessions).toBe(2);
  });

  it("a session answering result: null is retried", async () => {
    const c = await newCase({ files: 6 });
    const run = await deploy(c, "session=null*1");
    await expectDeployed(c, run);
    await expectEachUploadedOnce(h, c.target, c.built);
    expect(run.progress.retries().map((r) => [r.path.endsWith("/assets-upload-session"), r.reason])).toEqual([[true, "HTTP 200 (no result)"]]);
  });

  it("a non-JSON 502 page from the edge is retried (and counts as a gateway error)", async () => {
    const c = await newCase();
    const run = await deploy(c, "upload=html*2");
    await expectDeployed(c, run);
    await expectEachUploadedOnce(h, c.target, c.built);
    expect(run.progress.uploadRetries().map((r) => r.reason)).toEqual(["HTTP 502 (non-JSON body)", "HTTP 502 (non-JSON body)"]);
    expect(run.progress.of("concurrency")).toHaveLength(1);
  });
});

describe("deploys that fail: a typed error, the previous version still live", () => {
  /** Deploys v1 cleanly, then returns a v2 of the same site (some files changed, some added). */
  async function liveCase(): Promise<Case & { v1: DeployResult; v2: BuiltManifest }> {
    const c = await newCase({ files: 12 });
    const first = await deploy(c, undefined);
    const v1 = await expectDeployed(c, first);
    const v2 = await site(h, `${c.target.namespace}-v2`, { files: 18, tenant: `${c.target.namespace}-v2` });
    return { ...c, v1, v2 };
  }

  async function expectV1StillLive(c: Case & { v1: DeployResult }): Promise<void> {
    await expectSiteLive(h, c.target, c.built);
    const live = await getScript(h.client(), c.target);
    expect(live?.etag).toBe(c.v1.script.etag);
    expect(scriptStats(await h.emu.stats(), c.target)?.puts).toBe(1);
  }

  /** A typed error naming the step and the status, and saying what to do (by default: run it again). */
  function expectDeployError(run: Run, step: string, status: number, advice: RegExp = /deploy again/): DeployError {
    expect(run.error).toBeInstanceOf(DeployError);
    const error = run.error as DeployError;
    expect(error.step).toBe(step);
    expect(error.status).toBe(status);
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).toMatch(advice);
    expectNoSecrets(h, outputs);
    return error;
  }

  it("every upload answers 503: DeployError(step upload, 503) after the retries; nothing attached", async () => {
    const c = await liveCase();
    const run = await deploy(c, "upload=503", { assets: c.v2 });
    const error = expectDeployError(run, "upload", 503);
    expect(error.message).toMatch(/after 5 attempt\(s\)/);
    expect(error.message).toMatch(/live worker was not changed/);
    expect(error.cause).toBeInstanceOf(CloudflareApiError);
    expect(run.progress.uploadRetries().length).toBeGreaterThanOrEqual(4);
    expect(run.progress.of("script")).toEqual([]);
    await expectV1StillLive(c);
  });

  it("the session route answers 500 every time: DeployError(step session, 500)", async () => {
    const c = await liveCase();
    const run = await deploy(c, "session=500", { assets: c.v2 });
    expectDeployError(run, "session", 500);
    expect(run.progress.retries("assets-upload-session")).toHaveLength(4);
    await expectV1StillLive(c);
  });

  it("the script PUT answers 503 every time: DeployError(step script, 503); assets kept for the re-run", async () => {
    const c = await liveCase();
    const run = await deploy(c, "put=503", { assets: c.v2 });
    const error = expectDeployError(run, "script", 503);
    expect(error.message).toMatch(/assets are uploaded and stored/);
    await expectV1StillLive(c);
    // The re-run finds every file stored and only repeats the PUT.
    const rerun = await deploy({ ...c, built: c.v2 }, undefined, { assets: c.v2 });
    expect(rerun.error).toBeUndefined();
    expect(rerun.result!.uploadedFiles).toBe(0);
    await expectSiteLive(h, c.target, c.v2);
  });

  it("a wrong API token: DeployError(step session, 403) saying what to check, without retries or the token", async () => {
    const c = await liveCase();
    const wrongToken = "wrong-token-3b6f0d2c41";
    const run = await deploy(c, undefined, { assets: c.v2, client: { credentials: { apiToken: wrongToken } } });
    const error = expectDeployError(run, "session", 403, /check that the API token is valid/);
    expect(run.progress.retries()).toEqual([]);
    for (const text of [...errorTexts(error), ...run.progress.lines, ...h.emulatorLog]) expect(text).not.toContain(wrongToken);
    await expectV1StillLive(c);
  });

  it("a deploy killed mid-upload resumes: the re-run sends only what is missing", async () => {
    const c = await liveCase();
    // Two buckets get through, then every upload fails: the state a CI job killed mid-upload leaves behind.
    const killed = await deploy(c, "upload=503+2", { assets: c.v2, deploy: { concurrency: 1 } });
    expectDeployError(killed, "upload", 503);
    await expectV1StillLive(c);
    const uploadedBefore = killed.progress.of("bucket").reduce((n, b) => n + b.files, 0);
    expect(uploadedBefore).toBeGreaterThan(0);

    const resumed = await deploy({ ...c, built: c.v2 }, undefined, { assets: c.v2 });
    expect(resumed.error).toBeUndefined();
    const [session] = resumed.progress.of("session");
    const firstSession = killed.progress.of("session")[0]!;
    expect(session!.newFiles).toBe(firstSession.newFiles - uploadedBefore);
    await expectSiteLive(h, c.target, c.v2);
    // Across both runs, no file of v2 was stored twice.
    const store = (await h.emu.stats()).accounts[ACCOUNT]!.stores[`namespace:${c.target.namespace}`]!;
    expect(Object.values(store.perHash).every((n) => n === 1)).toBe(true);
  });

  it("a file changed on disk between manifest and upload: 'changed during deploy', nothing attached", async () => {
    const c = await liveCase();
    const added = c.v2.files.find((f) => !uniqueHashes(c.built).has(f.hash) && f.extension === "css")!;
    const original = added.size;
    await writeFile(added.absolutePath, "x".repeat(original)); // same size, other bytes
    const run = await deploy(c, undefined, { assets: c.v2 });
    expect(run.error).toBeInstanceOf(ManifestError);
    expect((run.error as ManifestError).code).toBe("changed-during-deploy");
    expect((run.error as Error).message).toContain(added.key);
    expect((run.error as Error).message).toMatch(/changed while it was being deployed: its content no longer matches its hash/);
    expect(run.progress.of("script")).toEqual([]);
    const store = (await h.emu.stats()).accounts[ACCOUNT]!.stores[`namespace:${c.target.namespace}`]!;
    expect(store.perHash[added.hash]).toBeUndefined();
    await expectV1StillLive(c);
    expectNoSecrets(h, outputs);
  });
});

describe("secrets", () => {
  it("no progress line, event, error message or emulator log line of this file holds the API token or a JWT", () => {
    expect(outputs.length).toBeGreaterThan(100);
    expect(h.emulatorLog.length).toBeGreaterThan(100);
    // The check is only meaningful if JWTs were in play.
    expect(h.clients.reduce((n, c) => n + c.jwts.size, 0)).toBeGreaterThan(10);
    expectNoSecrets(h, outputs);
  });
});
