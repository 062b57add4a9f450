/**
 * The decisions of the deploy flow (deploy.ts), without I/O: what to do after a session's buckets were sent, whether a
 * refused script PUT is the lost-answer case, and what the deploy reports. Each has its own tests
 * (test/deploy/deploy-decisions.test.ts).
 */
import { CloudflareApiError } from "../cloudflare/errors.js";
import type { AssetFile } from "../manifest/types.js";
import { DeployError } from "./errors.js";
import type { DeployEvent } from "./progress.js";
import type { UploadSession } from "./session.js";
import type { DeployResult, LiveScript } from "./types.js";
import type { SessionUploadOutcome } from "./upload.js";

/** What the upload counted so far, over every session of one deploy. */
export interface UploadTally {
  sessions: number;
  uploadedFiles: number;
  uploadedBytes: number;
  bucketsSent: number;
  retries: number;
  /** Every hash a session asked for: the rest of the manifest was already stored. */
  requested: Set<string>;
}

export function emptyTally(): UploadTally {
  return { sessions: 0, uploadedFiles: 0, uploadedBytes: 0, bucketsSent: 0, retries: 0, requested: new Set() };
}

/** The tally after one session's buckets were sent. */
export function addOutcome(tally: UploadTally, outcome: SessionUploadOutcome): void {
  tally.retries += outcome.retries;
  tally.uploadedFiles += outcome.uploadedFiles;
  tally.uploadedBytes += outcome.uploadedBytes;
  tally.bucketsSent += outcome.bucketsSent;
}

/** The next step once a session is open or its buckets were sent. */
export type UploadDecision =
  | { next: "attach"; completionJwt: string }
  | { next: "new-session"; reason: string; askingForCompletion: boolean }
  | { next: "give-up"; error: DeployError };

/** A session that asks for nothing: the server holds every hash, and the session JWT is the completion JWT. */
export function afterOpening(session: UploadSession): UploadDecision | undefined {
  return session.buckets.length === 0 ? { next: "attach", completionJwt: session.jwt } : undefined;
}

/**
 * After a session's buckets: attach with the completion JWT, or open a new session — because this one lapsed, or
 * because every bucket was accepted without a completion JWT (seen in production on large uploads; one fresh session
 * either hands it over or names what is missing, so that is asked once).
 */
export function afterBuckets(outcome: SessionUploadOutcome, askedForCompletion: boolean): UploadDecision {
  if (outcome.sessionExpired) return { next: "new-session", reason: "the upload JWT expired or was refused", askingForCompletion: false };
  if (outcome.completionJwt) return { next: "attach", completionJwt: outcome.completionJwt };
  if (!askedForCompletion) return { next: "new-session", reason: "no completion token after the last bucket", askingForCompletion: true };
  return {
    next: "give-up",
    error: new DeployError(
      "completion",
      "Every requested file was uploaded, but Cloudflare returned no completion token, not even after a fresh upload session, so the assets cannot be attached. Run the deploy again; uploaded files are kept.",
    ),
  };
}

/** The error when `opened` sessions reached `maxSessions`; undefined while another may be opened. */
export function sessionLimit(opened: number, maxSessions: number): DeployError | undefined {
  if (opened < maxSessions) return undefined;
  return new DeployError(
    "session",
    `Gave up after ${opened} upload sessions without completing the upload. Files uploaded so far are kept; run the deploy again to resume.`,
  );
}

/**
 * A script PUT that failed with 400 only after an earlier attempt of it went unanswered or failed: the first attempt
 * may have been applied with its answer lost, and its retry's completion JWT (which attaches only once) refused.
 */
export function isRetriedPutRefused(error: unknown): boolean {
  return error instanceof DeployError && error.step === "script" && error.cause instanceof CloudflareApiError && error.cause.status === 400 && error.cause.attempts > 1;
}

/** Same bytes + extension ⇒ same hash under several paths: upload the first, once. */
export function indexByHash(files: readonly AssetFile[]): Map<string, AssetFile> {
  const byHash = new Map<string, AssetFile>();
  for (const file of files) if (!byHash.has(file.hash)) byHash.set(file.hash, file);
  return byHash;
}

/** The `session` progress event for a session that asks for `session.buckets`. */
export function sessionEvent(session: UploadSession, attempt: number, totalFiles: number, filesByHash: ReadonlyMap<string, AssetFile>): DeployEvent {
  const newHashes = session.buckets.flat();
  return {
    type: "session",
    attempt,
    newFiles: newHashes.length,
    totalFiles,
    buckets: session.buckets.length,
    newBytes: newHashes.reduce((n, hash) => n + (filesByHash.get(hash)?.size ?? 0), 0),
  };
}

/** What an uploading deploy reports; `keptAssets` deploys report with keptAssetsResult. */
export function uploadResult(script: LiveScript, files: readonly AssetFile[], totals: { fileCount: number; totalBytes: number }, tally: UploadTally, durationMs: number): DeployResult {
  return {
    script,
    fileCount: totals.fileCount,
    totalBytes: totals.totalBytes,
    uploadedFiles: tally.uploadedFiles,
    uploadedBytes: tally.uploadedBytes,
    cachedFiles: files.filter((file) => !tally.requested.has(file.hash)).length,
    keptAssets: false,
    buckets: tally.bucketsSent,
    sessions: tally.sessions,
    retries: tally.retries,
    durationMs,
  };
}

/** What a deploy that kept the live version's files reports. */
export function keptAssetsResult(script: LiveScript, kept: { fileCount: number; totalBytes: number }, retries: number, durationMs: number): DeployResult {
  const { fileCount, totalBytes } = kept;
  return { script, fileCount, totalBytes, uploadedFiles: 0, uploadedBytes: 0, cachedFiles: fileCount, keptAssets: true, buckets: 0, sessions: 0, retries, durationMs };
}

/** The closing `done` event of a result. */
export function doneEvent(result: DeployResult): DeployEvent {
  const { uploadedFiles, uploadedBytes, cachedFiles, buckets, retries, durationMs } = result;
  return { type: "done", uploadedFiles, uploadedBytes, cachedFiles, buckets, retries, durationMs };
}
