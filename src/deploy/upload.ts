import { FormData } from "undici";
import {
  CloudflareApiError,
  routes,
  uploadResultSchema,
  type CloudflareClient,
  type RetryEvent,
} from "../cloudflare/index.js";
import type { AssetFile } from "../manifest/index.js";
import { AssetPartFile } from "./asset-part.js";
import { DeployError } from "./errors.js";
import { isJwtExpiring, renewalMarginSeconds } from "./jwt.js";
import { runPool } from "./pool.js";
import type { DeployEvent } from "./progress.js";
import type { UploadSession } from "./session.js";

/** Cloudflare's own client keeps three buckets in flight; its buckets are sized for that (~50 MiB each). */
export const BULK_UPLOAD_CONCURRENCY = 3;
/** Gateway errors mean the edge is struggling with our request size or rate: continue one at a time. */
const GATEWAY_STATUSES = new Set([502, 503, 504, 524]);

/**
 * Buckets in flight for one deploy. A gateway error or a timeout (no bytes moved for the idle timeout: the link
 * cannot carry several ~50 MiB buckets at once) drops it to 1 for the rest of the deploy, renewed sessions
 * included, as wrangler does after a 524 (docs/cloudflare-api.md §6).
 */
export class UploadConcurrency {
  #limit: number;
  constructor(initial: number) {
    if (!Number.isInteger(initial) || initial < 1) throw new RangeError(`upload concurrency must be a whole number >= 1 (got ${initial}).`);
    this.#limit = initial;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Lowers the limit to 1; returns the previous limit, or undefined when it already was 1. */
  dropToOne(): number | undefined {
    if (this.#limit <= 1) return undefined;
    const from = this.#limit;
    this.#limit = 1;
    return from;
  }
}

/** Why a failed upload attempt should lower concurrency, or undefined when it should not (429s are the budget's job). */
export function concurrencyDropReason(retry: RetryEvent): string | undefined {
  if (retry.kind === "timeout") return retry.reason;
  if (retry.status !== undefined && GATEWAY_STATUSES.has(retry.status)) return `HTTP ${retry.status}`;
  return undefined;
}
/** Renew a session this long before its JWT's `exp`, so a bucket never starts with a dying token. */
const JWT_EXPIRY_MARGIN_SECONDS = 30;

export interface BucketUploadContext {
  client: CloudflareClient;
  accountId: string;
  filesByHash: ReadonlyMap<string, AssetFile>;
  hashSalt?: string;
  /** Shared by every session of the deploy. */
  concurrency: UploadConcurrency;
  emit: (event: DeployEvent) => void;
  now: () => number;
}

export interface SessionUploadOutcome {
  /** Set when a response carried it: then every hash of the manifest is stored. */
  completionJwt?: string;
  /** The session JWT lapsed or was refused before all buckets were sent. */
  sessionExpired: boolean;
  uploadedFiles: number;
  uploadedBytes: number;
  bucketsSent: number;
  retries: number;
}

/** Thrown inside a bucket when its session can no longer be used; handled by the caller. */
class SessionLapsed extends Error {}

/**
 * Step 2. Sends the session's buckets as the server grouped them, base64 multipart parts named by
 * hash. Each part is read, checked and encoded while the request body is written (AssetPartFile), so
 * memory stays flat whatever the bucket and file sizes. The completion JWT may arrive on any response —
 * under concurrency not necessarily the last one — so it is taken from whichever brings it.
 */
export async function uploadSessionBuckets(
  ctx: BucketUploadContext,
  session: UploadSession,
): Promise<SessionUploadOutcome> {
  const outcome: SessionUploadOutcome = {
    sessionExpired: false,
    uploadedFiles: 0,
    uploadedBytes: 0,
    bucketsSent: 0,
    retries: 0,
  };
  const newFiles = session.buckets.reduce((n, bucket) => n + bucket.length, 0);
  // Fixed when the session is handed over, so a token shorter than the margin still gets buckets sent.
  const renewalMargin = renewalMarginSeconds(session.jwt, ctx.now(), JWT_EXPIRY_MARGIN_SECONDS);
  const onRetry = retryReporter(ctx, outcome);

  try {
    await runPool(session.buckets, () => ctx.concurrency.limit, async (bucket, index) => {
      if (outcome.sessionExpired || isJwtExpiring(session.jwt, ctx.now(), renewalMargin)) {
        throw new SessionLapsed("upload JWT expired");
      }
      const parts = bucketFiles(ctx, bucket);
      const jwt = await sendBucket(ctx, session.jwt, parts, onRetry);
      if (jwt) outcome.completionJwt = jwt;
      recordBucketSent(ctx, outcome, parts, { index: index + 1, buckets: session.buckets.length, newFiles });
    });
  } catch (error) {
    if (error instanceof SessionLapsed) {
      outcome.sessionExpired = true;
      return outcome;
    }
    throw uploadFailure(error);
  }
  return outcome;
}

/** Counts every retry, reports it, and drops the deploy to one bucket at a time when the failure calls for it. */
function retryReporter(ctx: BucketUploadContext, outcome: SessionUploadOutcome): (retry: RetryEvent) => void {
  return (retry) => {
    outcome.retries++;
    ctx.emit({ type: "retry", retry });
    const reason = concurrencyDropReason(retry);
    const from = reason === undefined ? undefined : ctx.concurrency.dropToOne();
    if (reason !== undefined && from !== undefined) ctx.emit({ type: "concurrency", from, to: 1, reason });
  };
}

/**
 * POSTs one bucket and returns the completion JWT when this response carried it. A refused session JWT (401/403)
 * becomes SessionLapsed, which the caller answers by opening a new session.
 */
async function sendBucket(ctx: BucketUploadContext, sessionJwt: string, parts: readonly AssetFile[], onRetry: (retry: RetryEvent) => void): Promise<string | undefined> {
  // A file that changed since the manifest stops the request with its own error, not as a retried network failure.
  const changedFile = new AbortController();
  try {
    const { result } = await ctx.client.request({
      method: "POST",
      path: routes.bulkUploadPath(ctx.accountId),
      auth: { bearer: sessionJwt },
      form: () => {
        const form = new FormData();
        for (const part of parts) form.append(part.hash, new AssetPartFile(part, ctx.hashSalt, (error) => changedFile.abort(error)));
        return form;
      },
      schema: uploadResultSchema,
      signal: changedFile.signal,
      onRetry,
    });
    return result.jwt;
  } catch (error) {
    if (error instanceof CloudflareApiError && (error.status === 401 || error.status === 403)) {
      throw new SessionLapsed(`upload JWT refused (HTTP ${error.status})`);
    }
    throw error;
  }
}

/** Adds a sent bucket to the session's totals and reports it. */
function recordBucketSent(
  ctx: BucketUploadContext,
  outcome: SessionUploadOutcome,
  parts: readonly AssetFile[],
  position: { index: number; buckets: number; newFiles: number },
): void {
  outcome.bucketsSent++;
  outcome.uploadedFiles += parts.length;
  const bytes = parts.reduce((n, part) => n + part.size, 0);
  outcome.uploadedBytes += bytes;
  ctx.emit({
    type: "bucket",
    index: position.index,
    buckets: position.buckets,
    files: parts.length,
    bytes,
    uploadedFiles: outcome.uploadedFiles,
    newFiles: position.newFiles,
  });
}

/** What a failed upload throws: an API error that outlasted its retries says how to resume; anything else as it is. */
function uploadFailure(error: unknown): unknown {
  if (!(error instanceof CloudflareApiError)) return error;
  return new DeployError(
    "upload",
    `Uploading assets failed after ${error.attempts} attempt(s): ${error.message}. Files uploaded so far are kept by Cloudflare, so running the deploy again resumes where this one stopped; the live worker was not changed.`,
    error.status,
    { cause: error },
  );
}

function bucketFiles(ctx: BucketUploadContext, bucket: readonly string[]): AssetFile[] {
  return bucket.map((hash) => {
    const file = ctx.filesByHash.get(hash);
    // openUploadSession already refuses unknown hashes; this guards the invariant.
    if (!file) throw new DeployError("upload", `Hash ${hash} was requested but no file of the manifest has it.`);
    return file;
  });
}
