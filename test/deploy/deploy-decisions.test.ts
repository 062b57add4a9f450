/**
 * The deploy flow's decisions without I/O: what follows a session and its buckets, the session limit, the refused
 * retry of a script PUT, and what the deploy reports.
 */
import { describe, expect, it } from "vitest";
import { CloudflareApiError } from "../../src/cloudflare/index.js";
import {
  addOutcome,
  afterBuckets,
  afterOpening,
  emptyTally,
  indexByHash,
  isRetriedPutRefused,
  sessionEvent,
  sessionLimit,
  uploadResult,
} from "../../src/deploy/deploy-decisions.js";
import { DeployError } from "../../src/deploy/index.js";
import type { AssetFile } from "../../src/manifest/index.js";

const outcome = (over: Partial<Parameters<typeof afterBuckets>[0]> = {}) => ({
  sessionExpired: false,
  uploadedFiles: 2,
  uploadedBytes: 20,
  bucketsSent: 1,
  retries: 0,
  ...over,
});
const file = (key: string, hash: string, size: number) => ({ key, hash, size }) as AssetFile;
const apiError = (status: number, attempts: number) =>
  new CloudflareApiError({ kind: "http", message: "m", status, method: "PUT", path: "/p", retryable: false, attempts });

describe("afterOpening / afterBuckets", () => {
  it("a session that asks for nothing hands over its JWT as the completion JWT", () => {
    expect(afterOpening({ jwt: "s", buckets: [] })).toEqual({ next: "attach", completionJwt: "s" });
    expect(afterOpening({ jwt: "s", buckets: [["h"]] })).toBeUndefined();
  });

  it("attaches with the completion JWT; a lapsed session is renewed even when a JWT came", () => {
    expect(afterBuckets(outcome({ completionJwt: "c" }), false)).toEqual({ next: "attach", completionJwt: "c" });
    expect(afterBuckets(outcome({ completionJwt: "c", sessionExpired: true }), true)).toEqual({
      next: "new-session",
      reason: "the upload JWT expired or was refused",
      askingForCompletion: false,
    });
  });

  it("every bucket accepted without a completion JWT: asks one fresh session, then gives up", () => {
    expect(afterBuckets(outcome(), false)).toEqual({ next: "new-session", reason: "no completion token after the last bucket", askingForCompletion: true });
    const second = afterBuckets(outcome(), true);
    expect(second.next).toBe("give-up");
    expect(second.next === "give-up" && second.error).toMatchObject({ step: "completion", message: expect.stringContaining("Run the deploy again") });
  });
});

describe("sessionLimit", () => {
  it("allows sessions below the limit and names the count when it is reached", () => {
    expect(sessionLimit(4, 5)).toBeUndefined();
    expect(sessionLimit(5, 5)).toMatchObject({ step: "session", message: expect.stringMatching(/^Gave up after 5 upload sessions/) });
  });
});

describe("isRetriedPutRefused", () => {
  it("only a script-step 400 after more than one attempt", () => {
    expect(isRetriedPutRefused(new DeployError("script", "x", 400, { cause: apiError(400, 2) }))).toBe(true);
    expect(isRetriedPutRefused(new DeployError("script", "x", 400, { cause: apiError(400, 1) }))).toBe(false);
    expect(isRetriedPutRefused(new DeployError("script", "x", 409, { cause: apiError(409, 2) }))).toBe(false);
    expect(isRetriedPutRefused(new DeployError("upload", "x", 400, { cause: apiError(400, 2) }))).toBe(false);
    expect(isRetriedPutRefused(apiError(400, 2))).toBe(false);
  });
});

describe("what the deploy reports", () => {
  const files = [file("/a.txt", "h1", 10), file("/copy-of-a.txt", "h1", 10), file("/b.txt", "h2", 5), file("/c.txt", "h3", 7)];

  it("indexes each hash once (its first path) and counts a session's new files and bytes", () => {
    const byHash = indexByHash(files);
    expect([...byHash.keys()]).toEqual(["h1", "h2", "h3"]);
    expect(byHash.get("h1")?.key).toBe("/a.txt");
    expect(sessionEvent({ jwt: "j", buckets: [["h1"], ["h3"]] }, 2, files.length, byHash)).toEqual({
      type: "session",
      attempt: 2,
      newFiles: 2,
      totalFiles: 4,
      buckets: 2,
      newBytes: 17,
    });
  });

  it("sums the sessions' outcomes, and counts as cached every file no session asked for", () => {
    const tally = emptyTally();
    tally.sessions = 2;
    tally.requested = new Set(["h2"]);
    addOutcome(tally, outcome({ retries: 1 }));
    addOutcome(tally, outcome());
    const script = { id: "s", etag: "e", createdOn: "c", modifiedOn: "m", hasAssets: true, hasModules: false, tags: [] };
    expect(uploadResult(script, files, { fileCount: 4, totalBytes: 32 }, tally, 9)).toEqual({
      script,
      fileCount: 4,
      totalBytes: 32,
      uploadedFiles: 4,
      uploadedBytes: 40,
      cachedFiles: 3,
      keptAssets: false,
      buckets: 2,
      sessions: 2,
      retries: 1,
      durationMs: 9,
    });
  });
});
