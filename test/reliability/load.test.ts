/**
 * Twenty tenants deployed at once against one emulator, with a few faults on: every deploy succeeds, every
 * stored blob re-hashes to its key, and the emulator's counters agree with what the clients report.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScriptTarget } from "../../src/cloudflare/index.js";
import { deployAssets, type DeployResult } from "../../src/deploy/index.js";
import { hashAssetBytes, type BuiltManifest } from "../../src/manifest/index.js";
import {
  ACCOUNT,
  ProgressRecorder,
  type Harness,
  type TrackingClient,
  UPLOAD_ROUTE,
  errorTexts,
  expectNoSecrets,
  expectSiteLive,
  readStoredBlob,
  site,
  startHarness,
  storeKeyOf,
} from "./harness.js";

const TENANTS = 20;
// Seeded: with seed 14 the first twenty session requests draw a 429 and the first ~30 uploads both a 503 and a reset.
const FAULTS = "seed=14; upload=503@0.05; upload=reset@0.03; session=429:0@0.15; put=502@0.05";

interface Tenant {
  target: ScriptTarget;
  built: BuiltManifest;
  client: TrackingClient;
  progress: ProgressRecorder;
  result?: DeployResult;
}

let h: Harness;
const tenants: Tenant[] = [];
const outputs: string[] = [];

beforeAll(async () => {
  h = await startHarness({ maxBucketFiles: 4 });
  await h.createNamespace("load-a");
  await h.createNamespace("load-b");
  for (let i = 0; i < TENANTS; i++) {
    // Nine tenants per namespace and two account scripts; tenants of one store share four files.
    const namespace = i < 9 ? "load-a" : i < 18 ? "load-b" : undefined;
    const target: ScriptTarget = { accountId: ACCOUNT, scriptName: `tenant-${i}`, ...(namespace ? { namespace } : {}) };
    const built = await site(h, `tenant-${i}`, { files: 8 + (i % 5), tenant: `tenant-${i}`, shared: 4 });
    tenants.push({ target, built, client: h.client(), progress: new ProgressRecorder() });
  }
});
afterAll(() => h.close());

describe(`${TENANTS} concurrent deploys with faults`, () => {
  it("all succeed, each site live exactly as declared", async () => {
    h.emu.setFaults(FAULTS);
    const outcomes = await Promise.allSettled(
      tenants.map((t) => deployAssets(t.client, { target: t.target, assets: t.built }, { onProgress: t.progress.listener })),
    );
    h.emu.setFaults(undefined);
    outcomes.forEach((outcome, i) => {
      const t = tenants[i]!;
      outputs.push(...t.progress.lines, JSON.stringify(t.progress.events));
      if (outcome.status === "rejected") outputs.push(...errorTexts(outcome.reason));
      expect(outcome.status === "fulfilled" ? "ok" : String(outcome.reason)).toBe("ok");
      if (outcome.status === "fulfilled") t.result = outcome.value;
    });
    for (const t of tenants) await expectSiteLive(h, t.target, t.built);
    // The faults did fire, and progress showed every retry.
    const retries = tenants.reduce((n, t) => n + t.result!.retries, 0);
    expect(retries).toBeGreaterThan(0);
    const reasons = new Set(tenants.flatMap((t) => t.progress.retries().map((r) => `${r.method} ${r.reason.replace(/\(.*\)/, "").trim()}`)));
    expect(reasons).toContain("POST HTTP 429");
    expect(reasons).toContain("POST HTTP 503");
    expect([...reasons].some((r) => /ECONNRESET|EPIPE|socket/.test(r))).toBe(true);
    expect(tenants.reduce((n, t) => n + t.progress.retries().length, 0)).toBe(retries);
  });

  it("every stored blob re-hashes to its key, and each store holds exactly its tenants' files", async () => {
    const stats = (await h.emu.stats()).accounts[ACCOUNT]!;
    for (const key of ["namespace:load-a", "namespace:load-b", "account"]) {
      const members = tenants.filter((t) => storeKeyOf(t.target) === key);
      const files = new Map(members.flatMap((t) => t.built.files.map((f) => [f.hash, f] as const)));
      expect(stats.stores[key]!.blobs).toBe(files.size);
      for (const [hash, file] of files) {
        const stored = await readStoredBlob(h, members[0]!.target, hash);
        expect(hashAssetBytes(stored!.bytes, file.extension), `${key} ${hash}`).toBe(hash);
      }
    }
  });

  it("the emulator's counters agree with the clients", async () => {
    const stats = (await h.emu.stats()).accounts[ACCOUNT]!;
    let attemptsSeen = 0;
    for (const key of ["namespace:load-a", "namespace:load-b", "account"]) {
      const store = stats.stores[key]!;
      const members = tenants.filter((t) => storeKeyOf(t.target) === key);
      const sizes = new Map(members.flatMap((t) => t.built.files.map((f) => [f.hash, f.size] as const)));
      const perHash = Object.entries(store.perHash);
      expect(perHash.reduce((n, [, count]) => n + count, 0)).toBe(store.filesUploaded);
      expect(perHash.reduce((n, [hash, count]) => n + count * sizes.get(hash)!, 0)).toBe(store.bytesUploaded);
      expect(members.reduce((n, t) => n + t.result!.uploadedFiles, 0)).toBe(store.filesUploaded);
      expect(members.reduce((n, t) => n + t.result!.uploadedBytes, 0)).toBe(store.bytesUploaded);
      // Faults act before authentication, so only answered bucket requests reach the store's counter.
      expect(members.reduce((n, t) => n + t.result!.buckets, 0)).toBe(store.uploadRequests);
      // No hash stored more often than the attempts (of any tenant) that carried it.
      const attempts = new Map<string, number>();
      for (const t of members) for (const call of t.client.uploads) for (const hash of call.hashes) attempts.set(hash, (attempts.get(hash) ?? 0) + call.attempts.length);
      for (const [hash, count] of perHash) expect(count, hash).toBeLessThanOrEqual(attempts.get(hash)!);
      attemptsSeen += members.reduce((n, t) => n + t.client.uploads.reduce((m, call) => m + call.attempts.length, 0), 0);
    }
    expect(stats.requests[UPLOAD_ROUTE]).toBe(attemptsSeen);
    for (const t of tenants) {
      expect(t.client.uploads.reduce((n, call) => n + call.attempts.length - 1, 0)).toBe(t.progress.uploadRetries().length);
    }
  });

  it("leaks no secret", () => {
    expectNoSecrets(h, outputs);
  });
});
