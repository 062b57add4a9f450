import type { CloudflareClient, RetryEvent, ScriptResult, ScriptTarget } from "../cloudflare/index.js";
import type { BuiltManifest } from "../manifest/index.js";
import { withRequestObserver, type BudgetWait, type TransportSettings } from "../cloudflare/index.js";
import {
  addOutcome,
  afterBuckets,
  afterOpening,
  doneEvent,
  emptyTally,
  indexByHash,
  isRetriedPutRefused,
  keptAssetsResult,
  sessionEvent,
  sessionLimit,
  uploadResult,
  type UploadTally,
} from "./deploy-decisions.js";
import { deployAssetsOffThread } from "./deploy-thread.js";
import { DeployError } from "./errors.js";
import { assetsFromHashedFolder } from "./hashed-folder.js";
import { getScript } from "./observe.js";
import type { DeployEvent, ProgressListener } from "./progress.js";
import { scriptFormFactory } from "./script-form.js";
import { describeTarget, isCompleteAnswer, putScript, toScriptInfo } from "./script.js";
import { openUploadSession, type UploadSession } from "./session.js";
import { UploadConcurrency, uploadSessionBuckets, type BucketUploadContext } from "./upload.js";
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
   * and errors (same classes and fields) as on the calling thread, from the compiled package and from the sources
   * alike. Before the thread starts, a young generation of the calling thread that has grown past V8's starting size
   * is given back with one full GC, at most once in 30 s (src/host/young-generation.ts). Default false:
   * `wfp-assets deploy` and library calls run in the calling thread, where the process's heap can be sized with
   * Node's own flags.
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
  if (options.offThread) {
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

/** One deploy as it runs on this thread: its client, request, options and what it reports. */
interface DeployRun {
  client: CloudflareClient;
  request: DeployRequest;
  started: number;
  emit: (event: DeployEvent) => void;
  onRetry: (retry: RetryEvent) => void;
  tally: UploadTally;
}

async function runDeploy(client: CloudflareClient, given: DeployRequest, options: DeployOptions): Promise<DeployResult> {
  validateDeployRequest(given);
  const started = Date.now();
  const emit = (event: DeployEvent): void => options.onProgress?.(event);
  const tally = emptyTally();
  const onRetry = (retry: RetryEvent): void => {
    tally.retries++;
    emit({ type: "retry", retry });
  };
  // A hashed folder becomes its file list here, on the thread that deploys (hashed-folder.ts).
  const assets: BuiltManifest | KeptAssets = isHashedFolder(given.assets) ? await assetsFromHashedFolder(given.assets) : given.assets;
  const run: DeployRun = { client, request: { ...given, assets }, started, emit, onRetry, tally };
  if (isKeptAssets(assets)) return keepAssetsDeploy(run, assets);
  return uploadDeploy(run, assets, options);
}

/** Uploads what the server asks for, then attaches it: session → buckets → completion JWT → script PUT. */
async function uploadDeploy(run: DeployRun, assets: BuiltManifest, options: DeployOptions): Promise<DeployResult> {
  const filesByHash = indexByHash(assets.files);
  const { client, tally } = run;
  const sessions = new SessionOpener(run, assets, filesByHash, options.maxSessions ?? DEFAULT_MAX_SESSIONS);
  const buckets: BucketUploadContext = {
    client,
    accountId: run.request.target.accountId,
    filesByHash,
    hashSalt: run.request.hashSalt,
    concurrency: new UploadConcurrency(options.concurrency ?? options.transport?.uploadConcurrency ?? client.settings.uploadConcurrency),
    emit: run.emit,
    now: options.now ?? Date.now,
  };
  const completionJwt = await uploadUntilComplete(sessions, (session) => uploadSessionBuckets(buckets, session), tally);
  const script = await attach(run, completionJwt, sessions);
  const result = uploadResult(script, assets.files, assets, tally, Date.now() - run.started);
  run.emit(doneEvent(result));
  return result;
}

/** Opens upload sessions over the deploy's manifest, at most `maxSessions` of them. */
class SessionOpener {
  constructor(
    private readonly run: DeployRun,
    private readonly assets: BuiltManifest,
    private readonly filesByHash: ReadonlyMap<string, BuiltManifest["files"][number]>,
    private readonly maxSessions: number,
  ) {}

  async open(): Promise<UploadSession> {
    const { client, request, onRetry, tally, emit } = this.run;
    const limit = sessionLimit(tally.sessions, this.maxSessions);
    if (limit) throw limit;
    tally.sessions++;
    const session = await openUploadSession(client, request.target, this.assets.manifest, onRetry);
    for (const hash of session.buckets.flat()) tally.requested.add(hash);
    emit(sessionEvent(session, tally.sessions, this.assets.fileCount, this.filesByHash));
    return session;
  }

  /** Says why the next session is opened. */
  emitRenewed(reason: string): void {
    this.run.emit({ type: "session-renewed", reason });
  }
}

/**
 * Sessions and their buckets until the server hands over the completion JWT. A session that lapses is replaced by a
 * new one over the same manifest; the server then asks only for what is still missing.
 */
async function uploadUntilComplete(
  sessions: SessionOpener,
  sendBuckets: (session: UploadSession) => ReturnType<typeof uploadSessionBuckets>,
  tally: UploadTally,
): Promise<string> {
  let askedForCompletion = false;
  for (;;) {
    const session = await sessions.open();
    const opened = afterOpening(session);
    if (opened?.next === "attach") return opened.completionJwt;
    const outcome = await sendBuckets(session);
    addOutcome(tally, outcome);
    const decision = afterBuckets(outcome, askedForCompletion);
    if (decision.next === "attach") return decision.completionJwt;
    if (decision.next === "give-up") throw decision.error;
    askedForCompletion ||= decision.askingForCompletion;
    sessions.emitRenewed(decision.reason);
  }
}

/**
 * The script PUT with the completion JWT. If its retry is refused, the first attempt may have been applied with its
 * answer lost (a reset or timeout after the server acted), and the JWT attaches only once: a fresh session over the
 * same manifest finds every file stored and hands over a new completion JWT, and the PUT is idempotent. (Found by the
 * reliability suite's lost-answer case, which ended with the new site live but an error.)
 */
async function attach(run: DeployRun, completionJwt: string, sessions: SessionOpener): Promise<LiveScript> {
  const { client, request, onRetry } = run;
  run.emit({ type: "script", route: request.target.namespace ? "namespace" : "account", assetsOnly: !request.worker });
  let answer: ScriptResult;
  try {
    answer = await putScript(client, request.target, scriptFormFactory(request, completionJwt), onRetry);
  } catch (error) {
    if (!isRetriedPutRefused(error)) throw error;
    sessions.emitRenewed("the script upload was retried and refused; its first attempt may have been applied");
    const fresh = await sessions.open();
    if (fresh.buckets.length > 0) throw error;
    answer = await putScript(client, request.target, scriptFormFactory(request, fresh.jwt), onRetry);
  }
  return describeApplied(client, request.target, answer);
}

/**
 * An update that keeps the live version's files: no upload session and no file read, one script PUT with
 * `keep_assets` (and the asset config again). Nothing to recover on a refused retry: without a completion JWT there is
 * no once-only token to be refused, and the PUT is idempotent.
 */
async function keepAssetsDeploy(run: DeployRun, kept: KeptAssets): Promise<DeployResult> {
  const { client, request } = run;
  run.emit({ type: "script", route: request.target.namespace ? "namespace" : "account", assetsOnly: !request.worker, keptFiles: kept.fileCount });
  const answer = await putScript(client, request.target, scriptFormFactory(request, undefined), run.onRetry);
  const script = await describeApplied(client, request.target, answer);
  const result = keptAssetsResult(script, kept, run.tally.retries, Date.now() - run.started);
  run.emit(doneEvent(result));
  return result;
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
