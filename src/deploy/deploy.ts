import { CloudflareApiError, type CloudflareClient, type RetryEvent, type ScriptResult, type ScriptTarget } from "../cloudflare/index.js";
import type { AssetFile, BuiltManifest } from "../manifest/index.js";
import { deployAssetsOffThread, deployThreadsAvailable } from "./deploy-thread.js";
import { DeployError } from "./errors.js";
import type { DeployEvent, ProgressListener } from "./progress.js";
import { scriptFormFactory } from "./script-form.js";
import { getScript } from "./observe.js";
import { describeTarget, isCompleteAnswer, putScript, toScriptInfo } from "./script.js";
import { openUploadSession, type UploadSession } from "./session.js";
import { UploadConcurrency, uploadSessionBuckets } from "./upload.js";
import { withRequestObserver, type BudgetWait, type TransportSettings } from "../cloudflare/index.js";
import { assetsFromHashedFolder } from "./hashed-folder.js";
import { isHashedFolder, isKeptAssets, type DeployRequest, type DeployResult, type KeptAssets, type LiveScript } from "./types.js";
import { validateDeployRequest } from "./validate.js";

export interface DeployOptions {
  /** Also told when the deploy's requests wait for the API budget ("budget-wait", once per wait). */
  onProgress?: ProgressListener;
  /**
   * Resolved transport settings; only `uploadConcurrency` is read here (timeouts, retries and the budget are the
   * client's). Default: the client's settings.
   */
  transport?: Pick<TransportSettings, "uploadConcurrency">;
  /** Buckets in flight; overrides `transport.uploadConcurrency` (default 3, as Cloudflare sizes its buckets for). */
  concurrency?: number;
  /** Upload sessions opened at most (renewals after JWT expiry, plus the completion retry). */
  maxSessions?: number;
  /** The clock for JWT expiry checks (tests); cannot be combined with `offThread`. */
  now?: () => number;
  /**
   * Run the deploy on a worker thread with a sized heap (src/deploy/deploy-thread.ts), as the Pulumi provider does:
   * the calling process's peak memory then stays flat under the upload. The same budget, progress events (in order)
   * and errors (same classes and fields) as on the calling thread. Only from the compiled package; from the
   * TypeScript sources the deploy runs on the calling thread. Default false: `wfp-assets deploy` and library calls
   * run in the calling thread, where the process's heap can be sized with Node's own flags.
   */
  offThread?: boolean;
}

const DEFAULT_MAX_SESSIONS = 5;

/**
 * The whole flow: session → bucket uploads → completion JWT → script PUT. Nothing is attached
 * before the PUT, so a failure anywhere earlier leaves the live worker untouched. A session that
 * lapses is replaced by a new one with the same manifest; the server then asks only for what is
 * still missing, which is also how a re-run after a crash resumes.
 */
export async function deployAssets(
  client: CloudflareClient,
  request: DeployRequest,
  options: DeployOptions = {},
): Promise<DeployResult> {
  if (options.offThread && deployThreadsAvailable()) {
    if (options.now) throw new TypeError("deployAssets: the `now` option cannot cross to a deploy thread; leave out `offThread` to use it.");
    return deployAssetsOffThread(client, request, options);
  }
  const onProgress = options.onProgress;
  if (!onProgress) return runDeploy(client, request, options);
  // Every request of this deploy (session, buckets, script PUT, reads) reports budget waits here; the client tells
  // this observer about each wait once, however many of the deploy's requests wait on it.
  const onBudgetWait = (wait: BudgetWait): void => onProgress({ type: "budget-wait", wait });
  return withRequestObserver({ onBudgetWait }, () => runDeploy(client, request, options));
}

async function runDeploy(client: CloudflareClient, given: DeployRequest, options: DeployOptions): Promise<DeployResult> {
  validateDeployRequest(given);
  const started = Date.now();
  const now = options.now ?? Date.now;
  const emit = (event: DeployEvent): void => options.onProgress?.(event);
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  // A hashed folder becomes its file list here, on the thread that deploys (hashed-folder.ts).
  const assets: BuiltManifest | KeptAssets = isHashedFolder(given.assets) ? await assetsFromHashedFolder(given.assets) : given.assets;
  const request: DeployRequest = { ...given, assets };
  const { target } = request;

  let retries = 0;
  const onRetry = (retry: RetryEvent): void => {
    retries++;
    emit({ type: "retry", retry });
  };
  if (isKeptAssets(assets)) return keepAssetsDeploy(client, request, assets, { emit, onRetry, started, retries: () => retries });

  const filesByHash = indexByHash(assets.files);
  const ctx = {
    client,
    accountId: target.accountId,
    filesByHash,
    hashSalt: request.hashSalt,
    concurrency: new UploadConcurrency(options.concurrency ?? options.transport?.uploadConcurrency ?? client.settings.uploadConcurrency),
    emit,
    now,
  };

  let sessions = 0;
  let uploadedFiles = 0;
  let uploadedBytes = 0;
  let bucketsSent = 0;
  let completionJwt: string | undefined;
  const requested = new Set<string>();
  let askedForCompletion = false;

  const open = async (): Promise<UploadSession> => {
    if (sessions >= maxSessions) {
      throw new DeployError(
        "session",
        `Gave up after ${sessions} upload sessions without completing the upload. Files uploaded so far are kept; run the deploy again to resume.`,
      );
    }
    sessions++;
    const session = await openUploadSession(client, target, assets.manifest, onRetry);
    const newHashes = session.buckets.flat();
    for (const hash of newHashes) requested.add(hash);
    emit({
      type: "session",
      attempt: sessions,
      newFiles: newHashes.length,
      totalFiles: assets.fileCount,
      buckets: session.buckets.length,
      newBytes: newHashes.reduce((n, hash) => n + (filesByHash.get(hash)?.size ?? 0), 0),
    });
    return session;
  };

  let session = await open();
  for (;;) {
    if (session.buckets.length === 0) {
      // The server already holds every hash: the session JWT is the completion JWT.
      completionJwt = session.jwt;
      break;
    }
    const outcome = await uploadSessionBuckets(ctx, session);
    retries += outcome.retries;
    uploadedFiles += outcome.uploadedFiles;
    uploadedBytes += outcome.uploadedBytes;
    bucketsSent += outcome.bucketsSent;
    if (outcome.completionJwt && !outcome.sessionExpired) {
      completionJwt = outcome.completionJwt;
      break;
    }
    if (outcome.sessionExpired) {
      emit({ type: "session-renewed", reason: "the upload JWT expired or was refused" });
    } else {
      // Every bucket was accepted yet no response carried the completion JWT (seen in
      // production on large uploads): one fresh session either hands it over or names what is missing.
      if (askedForCompletion) {
        throw new DeployError(
          "completion",
          "Every requested file was uploaded, but Cloudflare returned no completion token, not even after a fresh upload session, so the assets cannot be attached. Run the deploy again; uploaded files are kept.",
        );
      }
      askedForCompletion = true;
      emit({ type: "session-renewed", reason: "no completion token after the last bucket" });
    }
    session = await open();
  }

  emit({ type: "script", route: target.namespace ? "namespace" : "account", assetsOnly: !request.worker });
  let answer: ScriptResult;
  try {
    answer = await putScript(client, target, scriptFormFactory(request, completionJwt), onRetry);
  } catch (error) {
    if (!isRetriedPutRefused(error)) throw error;
    // The first PUT may have been applied with its answer lost (a reset or timeout after the server acted);
    // its retry then carries a completion JWT that attaches only once, and is refused. A fresh session over the
    // same manifest finds every file stored and hands over a new completion JWT, and the PUT is idempotent.
    // (Found by the reliability suite's lost-answer case, which ended with the new site live but an error.)
    emit({ type: "session-renewed", reason: "the script upload was retried and refused; its first attempt may have been applied" });
    const fresh = await open();
    if (fresh.buckets.length > 0) throw error;
    answer = await putScript(client, target, scriptFormFactory(request, fresh.jwt), onRetry);
  }
  const script = await describeApplied(client, target, answer);

  const durationMs = Date.now() - started;
  const result: DeployResult = {
    script,
    fileCount: assets.fileCount,
    totalBytes: assets.totalBytes,
    uploadedFiles,
    uploadedBytes,
    cachedFiles: assets.files.filter((file) => !requested.has(file.hash)).length,
    keptAssets: false,
    buckets: bucketsSent,
    sessions,
    retries,
    durationMs,
  };
  emit({ type: "done", uploadedFiles, uploadedBytes, cachedFiles: result.cachedFiles, buckets: bucketsSent, retries, durationMs });
  return result;
}

/**
 * An update that keeps the live version's files: no upload session and no file read, one script PUT with
 * `keep_assets` (and the asset config again). Nothing to recover on a refused retry: without a completion JWT there is
 * no once-only token to be refused, and the PUT is idempotent.
 */
async function keepAssetsDeploy(
  client: CloudflareClient,
  request: DeployRequest,
  kept: KeptAssets,
  run: { emit: (event: DeployEvent) => void; onRetry: (retry: RetryEvent) => void; started: number; retries: () => number },
): Promise<DeployResult> {
  const { target } = request;
  run.emit({ type: "script", route: target.namespace ? "namespace" : "account", assetsOnly: !request.worker, keptFiles: kept.fileCount });
  const answer = await putScript(client, target, scriptFormFactory(request, undefined), run.onRetry);
  const script = await describeApplied(client, target, answer);
  const durationMs = Date.now() - run.started;
  const retries = run.retries();
  run.emit({ type: "done", uploadedFiles: 0, uploadedBytes: 0, cachedFiles: kept.fileCount, buckets: 0, retries, durationMs });
  return {
    script,
    fileCount: kept.fileCount,
    totalBytes: kept.totalBytes,
    uploadedFiles: 0,
    uploadedBytes: 0,
    cachedFiles: kept.fileCount,
    keptAssets: true,
    buckets: 0,
    sessions: 0,
    retries,
    durationMs,
  };
}

/**
 * The script as the state records it. The PUT answer's fields beyond `startup_time_ms` are optional in Cloudflare's
 * schema (docs/cloudflare-api.md §15.3); when one is missing the upload was still applied, so read the script instead of failing.
 */
async function describeApplied(client: CloudflareClient, target: ScriptTarget, answer: ScriptResult): Promise<LiveScript> {
  if (isCompleteAnswer(answer)) return toScriptInfo(answer, target.scriptName);
  const live = await getScript(client, target);
  if (live === undefined) {
    throw new DeployError(
      "script",
      `The script ${describeTarget(target)} was uploaded, but reading it back says it does not exist. Run the deploy again; uploaded files are kept.`,
    );
  }
  return live;
}

/** A script PUT that failed with 400 only after an earlier attempt of it went unanswered or failed. */
function isRetriedPutRefused(error: unknown): boolean {
  return error instanceof DeployError && error.step === "script" && error.cause instanceof CloudflareApiError && error.cause.status === 400 && error.cause.attempts > 1;
}

/** Same bytes + extension ⇒ same hash under several paths: upload the first, once. */
function indexByHash(files: readonly AssetFile[]): Map<string, AssetFile> {
  const byHash = new Map<string, AssetFile>();
  for (const file of files) if (!byHash.has(file.hash)) byHash.set(file.hash, file);
  return byHash;
}
