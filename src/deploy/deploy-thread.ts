/**
 * deployAssets on a worker thread with a sized heap: what the Pulumi provider uses (src/provider/lifecycle.ts).
 *
 * Why: the dynamic provider is a Node process the Pulumi engine starts, so its V8 flags cannot be set. Measured with
 * process.memoryUsage() / v8.getHeapSpaceStatistics() sampled in it (bench/README.md, big-site): decoding the
 * 20,000-entry request grows its young generation from 32 to 128 MiB before any of our code runs, and a deploy on
 * that thread keeps it there (and regrows it after a GC: 4 → 64 MiB within 8 s of upload), so `pulumi up` peaked at
 * ~375 MiB. Here the deploy — reading, hashing and base64-encoding the buckets, and every request — runs on a thread
 * whose heap is sized when it starts (`resourceLimits`), and the calling thread gives its grown young generation back
 * first (heap-relief.ts): the 20k-site `up` then peaks at 284–288 MiB, what a no-op preview (no upload) peaks at, and
 * the 2 GiB site at 272 MiB. The costs: ~0.25–0.45 s to start a thread and load the deploy modules in it (a thread
 * is kept for `idleMs` for the next deploy), and one full GC of the calling thread.
 *
 * - One API budget per process: the thread's client asks the calling client's budget for every call over the
 *   deploy's MessagePort (budget-bridge.ts); the progress events, and the result or error, come back on that port in
 *   order (worker-protocol.ts); errors are rebuilt as their own classes (transferred-error.ts).
 * - A small pool: at most `maxThreads` threads for the process; a deploy takes an idle thread, else a new one while
 *   there are fewer than `maxThreads`, else shares the least busy (a thread runs several deploys at once, as the
 *   calling thread would). Memory is thus bounded by `maxThreads` heaps whatever Pulumi's --parallel.
 * - A thread without deploys no longer holds the process open and is terminated after `idleMs`; closeDeployThreads()
 *   terminates them all. A thread that crashes (out of memory included) fails each of its deploys with a
 *   DeployThreadError naming the step the deploy had reached; the next deploy starts a fresh thread.
 * - The thread's module is the compiled dist/deploy/deploy-worker.js, found next to this compiled file (`__dirname`),
 *   so it works from an installed package. From the TypeScript sources (tests) there is none: deployAssets then runs on
 *   the calling thread (deployThreadsAvailable).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from "node:worker_threads";
import type { CloudflareClient } from "../cloudflare/client.js";
import type { ScriptTarget } from "../cloudflare/routes.js";
import { budgetFacts, serveBudget } from "./budget-bridge.js";
import { DeployError, type DeployStep } from "./errors.js";
import type { DeployEvent, ProgressListener } from "./progress.js";
import { releaseYoungGeneration } from "./heap-relief.js";
import { describeTarget } from "./script.js";
import { revive } from "./transferred-error.js";
import type { DeployRequest, DeployResult } from "./types.js";
import { UploadConcurrency } from "./upload.js";
import { validateDeployRequest } from "./validate.js";
import { threadMessageSchema, type StartDeployMessage } from "./worker-protocol.js";

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

/**
 * Below this, V8 cannot even start the thread's isolate, and that failure ends the whole process instead of the
 * thread (measured with Node 24: 1–2 MiB abort the process; 4–16 MiB fail the thread with ERR_WORKER_OUT_OF_MEMORY,
 * as a deploy needs ~20 MiB of old generation for its modules alone).
 */
const MIN_OLD_GENERATION_MB = 8;

let settings: DeployThreadSettings = DEFAULT_DEPLOY_THREAD_SETTINGS;
const threads = new Set<DeployThread>();

/** The compiled thread module, next to this file once built; undefined when running from the TypeScript sources. */
function workerModule(): string | undefined {
  const file = path.join(__dirname, "deploy-worker.js");
  return existsSync(file) ? file : undefined;
}

/** Whether deploys can run on a thread here (the compiled package); otherwise they run on the calling thread. */
export function deployThreadsAvailable(): boolean {
  return workerModule() !== undefined;
}

/**
 * Changes the pool's settings for threads started from now on; idle threads are terminated so that the next deploy
 * gets one with the new limits. For tests and for library users who deploy very large fleets from one process.
 */
export function configureDeployThreads(changes: Partial<DeployThreadSettings>): void {
  const next: DeployThreadSettings = {
    ...settings,
    ...changes,
    resourceLimits: { ...settings.resourceLimits, ...changes.resourceLimits },
  };
  const { maxOldGenerationSizeMb: old, maxYoungGenerationSizeMb: young } = next.resourceLimits;
  if (!Number.isInteger(next.maxThreads) || next.maxThreads < 1) throw new RangeError(`maxThreads must be a whole number >= 1 (got ${next.maxThreads}).`);
  if (!(old >= MIN_OLD_GENERATION_MB)) {
    throw new RangeError(`resourceLimits.maxOldGenerationSizeMb must be at least ${MIN_OLD_GENERATION_MB} (got ${old}): a smaller heap cannot start a thread.`);
  }
  if (!(young > 0)) throw new RangeError(`resourceLimits.maxYoungGenerationSizeMb must be a positive number (got ${young}).`);
  if (!(next.idleMs >= 0)) throw new RangeError(`idleMs must be a number >= 0 (got ${next.idleMs}).`);
  settings = next;
  for (const thread of threads) if (thread.idle) void thread.terminate();
}

/** Terminates every deploy thread; deploys still running on one fail with a DeployThreadError. */
export async function closeDeployThreads(): Promise<void> {
  await Promise.all([...threads].map((thread) => thread.terminate()));
}

/** For tests and diagnostics: the threads alive and the deploys each runs. */
export function deployThreadsSnapshot(): Array<{ threadId: number; deploys: number }> {
  return [...threads].map((thread) => ({ threadId: thread.threadId, deploys: thread.deploys }));
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

/**
 * deployAssets on a pool thread (see the module comment); the caller checks deployThreadsAvailable() first. The
 * request is validated here first, so an invalid one fails as on the calling thread without starting a thread.
 */
export function deployAssetsOffThread(client: CloudflareClient, request: DeployRequest, options: OffThreadOptions): Promise<DeployResult> {
  const file = workerModule();
  if (file === undefined) throw new Error("deployAssetsOffThread needs the compiled package (dist/deploy/deploy-worker.js); check deployThreadsAvailable() first.");
  validateDeployRequest(request);
  const concurrency = new UploadConcurrency(options.concurrency ?? options.transport?.uploadConcurrency ?? client.settings.uploadConcurrency).limit;
  const start: Omit<StartDeployMessage, "type" | "port"> = {
    request,
    // Throws the client's credential error (as its first request would) before a thread is involved.
    client: client.threadOptions(),
    budget: budgetFacts(client.budget),
    concurrency,
    maxSessions: options.maxSessions,
  };
  // What this thread's heap grew to before (in the provider: Pulumi's decoding of the inputs) goes back before the
  // deploy thread's heap comes on top, not while it grows (heap-relief.ts).
  releaseYoungGeneration();
  return pickThread(file).run(start, client, options.onProgress);
}

function pickThread(file: string): DeployThread {
  let best: DeployThread | undefined;
  for (const thread of threads) {
    if (thread.closing) continue;
    if (thread.deploys === 0) return thread;
    if (!best || thread.deploys < best.deploys) best = thread;
  }
  if (best && threads.size >= settings.maxThreads) return best;
  const thread = new DeployThread(file, settings);
  threads.add(thread);
  return thread;
}

interface ActiveDeploy {
  target: ScriptTarget;
  /** The step the deploy had reached, from its events: what a crash message says was left undone. */
  step: DeployStep;
  settle: (outcome: { result: DeployResult } | { error: unknown }) => void;
}

class DeployThread {
  readonly #worker: Worker;
  readonly #active = new Map<MessagePort, ActiveDeploy>();
  readonly #limits: DeployThreadSettings["resourceLimits"];
  readonly #idleMs: number;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #closing = false;

  constructor(file: string, config: DeployThreadSettings) {
    this.#limits = config.resourceLimits;
    this.#idleMs = config.idleMs;
    this.#worker = new Worker(file, { resourceLimits: { ...config.resourceLimits } });
    this.#worker.on("error", (error) => this.#crashed(error));
    this.#worker.on("exit", (code) => this.#crashed(new Error(`it exited with code ${code}`)));
  }

  get threadId(): number {
    return this.#worker.threadId;
  }

  get deploys(): number {
    return this.#active.size;
  }

  get idle(): boolean {
    return this.#active.size === 0;
  }

  get closing(): boolean {
    return this.#closing;
  }

  run(start: Omit<StartDeployMessage, "type" | "port">, client: CloudflareClient, onProgress: ProgressListener | undefined): Promise<DeployResult> {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#worker.ref();
    const { port1, port2 } = new MessageChannel();
    return new Promise<DeployResult>((resolve, reject) => {
      const budget = serveBudget(client.budget, (reply) => port1.postMessage(reply));
      let listenerError: { error: unknown } | undefined;
      const deploy: ActiveDeploy = {
        target: start.request.target,
        step: "session",
        settle: (outcome) => {
          if (this.#active.get(port1) !== deploy) return;
          this.#active.delete(port1);
          budget.release();
          port1.close();
          if (this.#active.size === 0) this.#becameIdle();
          // A progress listener that threw fails the deploy with its error, as it would on the calling thread.
          if (listenerError) reject(listenerError.error);
          else if ("result" in outcome) resolve(outcome.result);
          else reject(outcome.error);
        },
      };
      this.#active.set(port1, deploy);

      port1.on("message", (raw: unknown) => {
        const parsed = threadMessageSchema.safeParse(raw);
        if (!parsed.success) {
          deploy.settle({ error: new DeployThreadError(deploy.step, `The deploy thread sent a message this version does not understand (${parsed.error.issues[0]?.message ?? "invalid"}); this is a bug of pulumi-wfp-assets.`) });
          return;
        }
        const message = parsed.data;
        switch (message.type) {
          case "event":
            deploy.step = stepAfter(message.event, deploy.step);
            if (onProgress && !listenerError) {
              try {
                onProgress(message.event);
              } catch (error) {
                listenerError = { error };
              }
            }
            return;
          case "result":
            return deploy.settle({ result: message.result });
          case "error":
            return deploy.settle({ error: revive(message.error) });
          default:
            return budget.handle(message);
        }
      });
      port1.on("messageerror", (error) => deploy.settle({ error: new DeployThreadError(deploy.step, `A message from the deploy thread could not be read (${error.message}).`, { cause: error }) }));

      try {
        this.#worker.postMessage({ type: "deploy", port: port2, ...start } satisfies StartDeployMessage, [port2]);
      } catch (error) {
        deploy.settle({ error });
      }
    });
  }

  /** Stops the thread; its deploys fail. */
  async terminate(): Promise<void> {
    this.#closing = true;
    threads.delete(this);
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    await this.#worker.terminate();
  }

  #becameIdle(): void {
    // Idle: the thread must not keep the provider process alive, and its memory goes back soon.
    this.#worker.unref();
    this.#idleTimer = setTimeout(() => void this.terminate(), this.#idleMs);
    this.#idleTimer.unref();
  }

  #crashed(cause: Error): void {
    const wasClosing = this.#closing;
    this.#closing = true;
    threads.delete(this);
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    const what = wasClosing
      ? "was terminated (the deploy threads were closed)"
      : (cause as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY"
        ? `ran out of memory (its heap is limited to ${this.#limits.maxOldGenerationSizeMb} MiB old and ${this.#limits.maxYoungGenerationSizeMb} MiB young generation)`
        : `failed: ${cause.message}`;
    for (const deploy of [...this.#active.values()]) {
      deploy.settle({ error: new DeployThreadError(deploy.step, `The deploy of ${describeTarget(deploy.target)} stopped: its worker thread ${what}. ${leftAt(deploy.step)}`, { cause }) });
    }
  }
}

/** The step a deploy is in after `event`. */
function stepAfter(event: DeployEvent, step: DeployStep): DeployStep {
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
function leftAt(step: DeployStep): string {
  return step === "script"
    ? "It stopped while attaching the uploaded files to the script, which may or may not have been applied; run the deploy again (uploaded files are kept)."
    : "Nothing was attached, so the live worker was not changed; files uploaded so far are kept, so running the deploy again resumes.";
}
