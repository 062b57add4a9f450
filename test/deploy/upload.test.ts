/**
 * Upload concurrency: a gateway error or a timeout drops it to one bucket at a time for the rest of the deploy
 * (every later session included), a 429 does not. Against a loopback stand-in for the bulk upload route, so that a
 * bucket can be made to stall.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CloudflareClient, type RetryEvent } from "../../src/cloudflare/index.js";
import type { DeployEvent } from "../../src/deploy/index.js";
import { concurrencyDropReason, UploadConcurrency, uploadSessionBuckets, type BucketUploadContext } from "../../src/deploy/upload.js";
import { buildManifest, type AssetFile } from "../../src/manifest/index.js";
import { envelopeOk, sendJson, startServer, type LoopbackServer } from "../cloudflare/loopback-server.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
/** exp in 2100: the session never lapses here. */
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function retry(partial: Partial<RetryEvent>): RetryEvent {
  return { method: "POST", path: "/x", attempt: 1, maxAttempts: 5, delayMs: 0, reason: "r", kind: "http", counted: true, ...partial };
}

describe("UploadConcurrency and concurrencyDropReason", () => {
  it("drops to one once, and refuses nonsense", () => {
    const c = new UploadConcurrency(3);
    expect(c.dropToOne()).toBe(3);
    expect(c.limit).toBe(1);
    expect(c.dropToOne()).toBeUndefined();
    expect(() => new UploadConcurrency(0)).toThrow(/whole number >= 1/);
  });

  it("gateway errors and timeouts lower concurrency; 429 and plain 500 do not", () => {
    expect(concurrencyDropReason(retry({ status: 524, reason: "HTTP 524" }))).toBe("HTTP 524");
    for (const status of [502, 503, 504]) expect(concurrencyDropReason(retry({ status }))).toBe(`HTTP ${status}`);
    expect(concurrencyDropReason(retry({ kind: "timeout", reason: "timeout after 120s" }))).toBe("timeout after 120s");
    expect(concurrencyDropReason(retry({ status: 429, counted: false }))).toBeUndefined();
    expect(concurrencyDropReason(retry({ status: 500 }))).toBeUndefined();
    expect(concurrencyDropReason(retry({ kind: "network", reason: "ECONNRESET" }))).toBeUndefined();
  });
});

describe("uploadSessionBuckets", () => {
  async function fixture(files: number): Promise<{ byHash: Map<string, AssetFile>; hashes: string[] }> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "wfp-upload-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    for (let i = 0; i < files; i++) await writeFile(path.join(dir, `f${i}.txt`), `file ${i}`);
    const built = await buildManifest(dir);
    const byHash = new Map(built.files.map((f) => [f.hash, f]));
    return { byHash, hashes: [...byHash.keys()] };
  }

  it("a timed-out bucket drops concurrency to 1 for the rest of the deploy, later sessions included", async () => {
    let inFlight = 0;
    const inFlightAtArrival: number[] = [];
    const server: LoopbackServer = await startServer((_req, res, n) => {
      inFlightAtArrival.push(inFlight);
      if (n === 1) return; // the first bucket never gets an answer: the idle timeout fires
      inFlight++;
      setTimeout(() => {
        inFlight--;
        sendJson(res, 202, envelopeOk({}));
      }, 30);
    });
    cleanup.push(() => server.close());
    const client = new CloudflareClient({ baseUrl: server.baseUrl, credentials: { apiToken: "upload-test-token" }, idleTimeoutMs: 300, retry: { baseDelayMs: 1, maxDelayMs: 1 }, env: {} });
    cleanup.push(() => client.close());
    const { byHash, hashes } = await fixture(8);
    const events: DeployEvent[] = [];
    const ctx: BucketUploadContext = {
      client,
      accountId: ACCOUNT,
      filesByHash: byHash,
      concurrency: new UploadConcurrency(3),
      emit: (e) => events.push(e),
      now: () => 0,
    };
    const first = await uploadSessionBuckets(ctx, { jwt: JWT, buckets: hashes.slice(0, 4).map((h) => [h]) });
    expect(first).toMatchObject({ bucketsSent: 4, retries: 1, sessionExpired: false });
    expect(events.filter((e) => e.type === "concurrency")).toEqual([{ type: "concurrency", from: 3, to: 1, reason: "timeout after 0.3s" }]);
    expect(ctx.concurrency.limit).toBe(1);
    // A renewed session of the same deploy keeps the lowered concurrency.
    const arrivalsBefore = inFlightAtArrival.length;
    await uploadSessionBuckets(ctx, { jwt: JWT, buckets: hashes.slice(4).map((h) => [h]) });
    expect(inFlightAtArrival.slice(arrivalsBefore)).toEqual([0, 0, 0, 0]);
    expect(events.filter((e) => e.type === "concurrency")).toHaveLength(1);
  });
});
