/**
 * deployAssets on a worker thread with a sized heap: what the Pulumi provider uses (src/provider/lifecycle.ts).
 *
 * Why: the dynamic provider is a Node process the Pulumi engine starts, so its V8 flags cannot be set. Measured with
 * process.memoryUsage() / v8.getHeapSpaceStatistics() sampled in it (bench/README.md, big-site): decoding the
 * 20,000-entry request grows its young generation from 32 to 128 MiB before any of our code runs, and a deploy on
 * that thread keeps it there (and regrows it after a GC), so `pulumi up` peaked at ~375 MiB. Here the deploy —
 * reading, hashing and base64-encoding the buckets, and every request — runs on a thread of a WorkerPool
 * (src/worker-thread/pool.ts) whose heap is sized when it starts (`resourceLimits`), and the calling thread gives its
 * grown young generation back first (src/host/young-generation.ts): the 20k-site `up` then peaks at 247 MiB instead of
 * 306 MiB (bench/README.md). The costs: ~0.25–0.45 s to start a thread and load the deploy modules in it (a thread is
 * kept for `idleMs` for the next deploy), and at most one full GC of the calling thread per 30 s.
 *
 * - One API budget per process: the thread's client asks the calling client's budget for every call over the
 *   deploy's port (budget-bridge.ts); progress events come back in order (worker-protocol.ts); errors come back as
 *   their own classes (thread-errors.ts).
 * - At most `maxThreads` threads for the process, whatever Pulumi's --parallel; a thread runs several deploys at once.
 * - A thread that stops (out of memory included) fails each of its deploys with a DeployThreadError naming the step the
 *   deploy had reached; the next deploy starts a fresh thread.
 */
import type { ResourceLimits } from "node:worker_threads";
import type { CloudflareClient } from "../cloudflare/client.js";
import { releaseHeapNow, releaseYoungGeneration } from "../host/young-generation.js";
import { threadEntry, WorkerPool, WorkerThreadError } from "../worker-thread/index.js";
import { budgetFacts, serveBudget, type BudgetService } from "./budget-bridge.js";
import { DeployError, type DeployStep } from "./errors.js";
import type { DeployEvent, ProgressListener } from "./progress.js";
import { describeTarget } from "./script.js";
import { DEPLOY_ERROR_TYPES } from "./thread-errors.js";
import { isHashedFolder, isKeptAssets, type DeployAssets, type DeployRequest, type DeployResult } from "./types.js";
import { UploadConcurrency } from "./upload.js";
import { validateDeployRequest } from "./validate.js";
import { deployResultSchema, threadMessageSchema, type DeployJobInput } from "./worker-protocol.js";

export interface DeployThreadSettings {
  /** Threads at most, for the whole process. */
  maxThreads: number;
  /**
   * Each thread's heap. The young generation is the point (V8 gives the semi-spaces a third of it each: 24 MiB ≈
   * `--max-semi-space-size=8`); the old generation bound only keeps a runaway thread from taking the machine. Measured:
   * ~20 MiB for the modules, plus ~20 MiB per 20,000 files being deployed on the thread.
   */
  resourceLimits: Required<Pick<ResourceLimits, "maxYoungGenerationSizeMb" | "maxOldGenerationSizeMb">>;
  /** A thread with no deploy is terminated after this long (a fleet's next deploy usually comes sooner). */
  idleMs: number;
}

export const DEFAULT_DEPLOY_THREAD_SETTINGS: Readonly<DeployThreadSettings> = {
  maxThreads: 2,
  resourceLimits: { maxYoungGenerationSizeMb: 24, maxOldGenerationSizeMb: 1024 },
  idleMs: 5000,
};

/** The process's deploy threads; their settings change only through configureDeployThreads. */
const pool = new WorkerPool(threadEntry(__dirname, "deploy-worker"), DEFAULT_DEPLOY_THREAD_SETTINGS, DEPLOY_ERROR_TYPES);

/**
 * Changes the pool's settings for threads started from now on; idle threads are terminated so that the next deploy
 * gets one with the new limits. For tests and for library users who deploy very large fleets from one process.
 */
export function configureDeployThreads(changes: Partial<DeployThreadSettings>): void {
  const current = pool.settings as DeployThreadSettings;
  pool.configure({ ...current, ...changes, resourceLimits: { ...current.resourceLimits, ...changes.resourceLimits } });
}

/** Terminates every deploy thread; deploys still running on one fail with a DeployThreadError. */
export function closeDeployThreads(): Promise<void> {
  return pool.close();
}

/** For tests and diagnostics: the threads alive and the deploys each runs. */
export function deployThreadsSnapshot(): Array<{ threadId: number; deploys: number }> {
  return pool.snapshot().map(({ threadId, jobs }) => ({ threadId, deploys: jobs }));
}

/** A deploy thread stopped (crashed, ran out of memory, or was terminated) before its deploy finished. */
export class DeployThreadError extends DeployError {
  constructor(step: DeployStep, message: string, options?: { cause?: unknown }) {
    super(step, message, undefined, options);
  }
}

export interface OffThreadOptions {
  onProgress?: ProgressListener | undefined;
  concurrency?: number | undefined;
  transport?: { uploadConcurrency: number } | undefined;
  maxSessions?: number | undefined;
}

/** deployAssets on a pool thread. The request is validated here first, so an invalid one fails without a thread. */
export async function deployAssetsOffThread(client: CloudflareClient, request: DeployRequest, options: OffThreadOptions): Promise<DeployResult> {
  validateDeployRequest(request);
  const input: DeployJobInput = {
    request,
    // Throws the client's credential error (as its first request would) before a thread is involved.
    client: client.threadOptions(),
    budget: budgetFacts(client.budget),
    concurrency: new UploadConcurrency(options.concurrency ?? options.transport?.uploadConcurrency ?? client.settings.uploadConcurrency).limit,
    maxSessions: options.maxSessions,
  };
  // What this thread's heap grew to before (in the provider: Pulumi's decoding of the inputs) goes back before the
  // deploy thread's heap comes on top, not while it grows: always for a large file list (whose decoding and parsing
  // left tens of MiB of garbage in an old generation that a young-generation check does not see), otherwise only when
  // the young generation has grown.
  if (!releaseHeapNow(assetsChars(request.assets))) releaseYoungGeneration();
  let step: DeployStep = "session";
  let budget: BudgetService | undefined;
  const job = pool.run(input, {
    onMessage: (body) => {
      const message = threadMessageSchema.parse(body);
      if (message.type !== "event") return budget?.handle(message);
      step = stepAfter(message.event, step);
      options.onProgress?.(message.event);
    },
  });
  budget = serveBudget(client.budget, (reply) => job.post(reply));
  try {
    return deployResultSchema.parse(await job.result);
  } catch (error) {
    if (!(error instanceof WorkerThreadError)) throw error;
    throw new DeployThreadError(step, `The deploy of ${describeTarget(request.target)} stopped: ${error.message}. ${leftAt(step)}`, { cause: error.cause });
  } finally {
    budget.release();
  }
}

/** About how many characters of file list a deploy carries (a manifest entry is ~64): what sizes the caller's heap. */
export function assetsChars(assets: DeployAssets): number {
  if (isKeptAssets(assets)) return 0;
  if (isHashedFolder(assets)) return typeof assets.hashes === "string" ? assets.hashes.length : Object.keys(assets.hashes).length * 64;
  return assets.files.length * 64;
}

/** The step a deploy is in after `event`. */
export function stepAfter(event: DeployEvent, step: DeployStep): DeployStep {
  switch (event.type) {
    case "session":
      return event.newFiles > 0 ? "upload" : step;
    case "bucket":
      return "upload";
    case "script":
      return "script";
    default:
      return step;
  }
}

/** What a deploy that stopped at `step` left behind, and what to do. */
export function leftAt(step: DeployStep): string {
  return step === "script"
    ? "It stopped while attaching the uploaded files to the script, which may or may not have been applied; run the deploy again (uploaded files are kept)."
    : "Nothing was attached, so the live worker was not changed; files uploaded so far are kept, so running the deploy again resumes.";
}
