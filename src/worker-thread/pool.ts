/**
 * A small pool of worker threads that run one kind of job (a thread entry that calls serveJobs, serve.ts).
 *
 * - At most `maxThreads` threads: a job takes an idle thread, else a new one while there are fewer than
 *   `maxThreads`, else shares the least busy (a thread runs several jobs at once). Memory is thus bounded by
 *   `maxThreads` heaps, each sized when its thread starts (`resourceLimits`).
 * - A thread without jobs does not hold the process open, and is terminated after `idleMs` (Infinity: kept until
 *   releaseIdle() or close()). Terminating a thread frees its whole heap for this process (V8 reuses the pages for
 *   the next thread), but the process's resident memory does not shrink: work whose memory must go back to the
 *   operating system runs in a child process (child-process.ts).
 * - Each job has its own MessagePort: messages both ways (Job.post, `onMessage`), then its result or error, in order;
 *   errors come back as their own classes (carried-error.ts). A thread that stops (crash, out of memory, terminate)
 *   fails each of its jobs with a WorkerThreadError; the next job starts a fresh thread.
 */
import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from "node:worker_threads";
import { reviveError, type ErrorType } from "./carried-error.js";
import { BOOTSTRAP, bootstrapData } from "./entry.js";
import { fromThreadSchema, type StartJob, type ToThread } from "./protocol.js";

export interface PoolSettings {
  /** Threads at most. */
  maxThreads: number;
  /** Each thread's heap (V8 gives the young generation's semi-spaces a third of `maxYoungGenerationSizeMb` each). */
  resourceLimits: ResourceLimits;
  /** An idle thread is terminated after this long; Infinity keeps it. */
  idleMs: number;
}

/**
 * Below this, V8 cannot even start a thread's isolate, and that failure ends the whole process instead of the thread
 * (measured with Node 24: 1–2 MiB abort the process; 4–16 MiB fail the thread with ERR_WORKER_OUT_OF_MEMORY).
 */
export const MIN_OLD_GENERATION_MB = 8;

/** Why a thread's job did not finish. */
export type ThreadStop = "out-of-memory" | "terminated" | "failed" | "protocol";

/** A job's thread stopped (or broke the protocol) before the job answered. */
export class WorkerThreadError extends Error {
  override readonly name = "WorkerThreadError";
  constructor(
    readonly reason: ThreadStop,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface JobOptions {
  /**
   * The job's messages from the thread, in order. If it throws, the job still runs to its end (later messages are
   * still delivered), then fails with the first error thrown here, as a listener's error would on the calling thread.
   */
  onMessage?: ((body: unknown) => void) | undefined;
}

export interface Job {
  /** The handler's answer (unchecked: the caller parses it), or its error as its own class. */
  result: Promise<unknown>;
  /** A message to the job's handler (JobChannel.onMessage); dropped once the job has ended. */
  post(body: unknown): void;
}

/** Checks settings before any thread is started with them; throws a RangeError naming the setting and the fix. */
export function checkPoolSettings(settings: PoolSettings): void {
  const { maxThreads, idleMs, resourceLimits } = settings;
  const old = resourceLimits.maxOldGenerationSizeMb;
  const young = resourceLimits.maxYoungGenerationSizeMb;
  if (!Number.isInteger(maxThreads) || maxThreads < 1) throw new RangeError(`maxThreads must be a whole number >= 1 (got ${maxThreads}).`);
  if (old !== undefined && !(old >= MIN_OLD_GENERATION_MB)) {
    throw new RangeError(`resourceLimits.maxOldGenerationSizeMb must be at least ${MIN_OLD_GENERATION_MB} (got ${old}): a smaller heap cannot start a thread.`);
  }
  if (young !== undefined && !(young > 0)) throw new RangeError(`resourceLimits.maxYoungGenerationSizeMb must be a positive number (got ${young}).`);
  if (!(idleMs >= 0)) throw new RangeError(`idleMs must be a number >= 0 (got ${idleMs}).`);
}

export class WorkerPool {
  readonly #entry: string;
  readonly #errorTypes: readonly ErrorType[];
  readonly #threads = new Set<PoolThread>();
  #settings: PoolSettings;

  /** `entry`: the thread module (entry.ts threadEntry); `errorTypes`: what comes back as its own class. */
  constructor(entry: string, settings: PoolSettings, errorTypes: readonly ErrorType[]) {
    checkPoolSettings(settings);
    this.#entry = entry;
    this.#settings = settings;
    this.#errorTypes = errorTypes;
  }

  get settings(): PoolSettings {
    return this.#settings;
  }

  /** New settings for threads started from now on; idle threads are terminated so that the next job gets them. */
  configure(settings: PoolSettings): void {
    checkPoolSettings(settings);
    this.#settings = settings;
    this.releaseIdle();
  }

  run(input: unknown, options: JobOptions = {}): Job {
    return this.#pick().run(input, options);
  }

  /** Terminates the threads without jobs (their heaps are free for this process again). */
  releaseIdle(): void {
    for (const thread of this.#threads) if (thread.jobs === 0) void thread.terminate();
  }

  /** Terminates every thread; jobs still running fail with a WorkerThreadError ("terminated"). */
  async close(): Promise<void> {
    await Promise.all([...this.#threads].map((thread) => thread.terminate()));
  }

  /** For tests and diagnostics: the threads alive and the jobs each runs. */
  snapshot(): Array<{ threadId: number; jobs: number }> {
    return [...this.#threads].map((thread) => ({ threadId: thread.threadId, jobs: thread.jobs }));
  }

  #pick(): PoolThread {
    let best: PoolThread | undefined;
    for (const thread of this.#threads) {
      if (thread.jobs === 0) return thread;
      if (!best || thread.jobs < best.jobs) best = thread;
    }
    if (best && this.#threads.size >= this.#settings.maxThreads) return best;
    const thread = new PoolThread(this.#entry, this.#settings, this.#errorTypes, () => this.#threads.delete(thread));
    this.#threads.add(thread);
    return thread;
  }
}

type Outcome = { value: unknown } | { error: unknown };

class PoolThread {
  readonly #worker: Worker;
  readonly #jobs = new Map<MessagePort, (outcome: Outcome) => void>();
  readonly #settings: PoolSettings;
  readonly #errorTypes: readonly ErrorType[];
  readonly #gone: () => void;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #terminating = false;

  constructor(entry: string, settings: PoolSettings, errorTypes: readonly ErrorType[], gone: () => void) {
    this.#settings = settings;
    this.#errorTypes = errorTypes;
    this.#gone = gone;
    this.#worker = new Worker(BOOTSTRAP, { eval: true, workerData: { bootstrap: bootstrapData(entry) }, resourceLimits: { ...settings.resourceLimits } });
    this.#worker.on("error", (error) => this.#stopped(error));
    this.#worker.on("exit", (code) => this.#stopped(new Error(`it exited with code ${code}`)));
  }

  get threadId(): number {
    return this.#worker.threadId;
  }

  get jobs(): number {
    return this.#jobs.size;
  }

  run(input: unknown, options: JobOptions): Job {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#worker.ref();
    const { port1, port2 } = new MessageChannel();
    let open = true;
    const result = new Promise<unknown>((resolve, reject) => {
      let listenerError: { error: unknown } | undefined;
      const settle = (outcome: Outcome): void => {
        if (!open) return;
        open = false;
        this.#jobs.delete(port1);
        port1.close();
        if (this.#jobs.size === 0) this.#becameIdle();
        if (listenerError) reject(listenerError.error);
        else if ("value" in outcome) resolve(outcome.value);
        else reject(outcome.error);
      };
      this.#jobs.set(port1, settle);
      port1.on("message", (raw: unknown) => {
        const parsed = fromThreadSchema.safeParse(raw);
        if (!parsed.success) return settle({ error: new WorkerThreadError("protocol", `The worker thread sent a message this version does not understand (${parsed.error.issues[0]?.message ?? "invalid"}); this is a bug of pulumi-wfp-assets.`) });
        const message = parsed.data;
        if (message.kind === "result") return settle({ value: message.value });
        if (message.kind === "error") return settle({ error: reviveError(message.error, this.#errorTypes) });
        try {
          options.onMessage?.(message.body);
        } catch (error) {
          listenerError ??= { error };
        }
      });
      port1.on("messageerror", (error) => settle({ error: new WorkerThreadError("protocol", `A message from the worker thread could not be read (${error.message}).`, { cause: error }) }));
      try {
        this.#worker.postMessage({ kind: "job", port: port2, input } satisfies StartJob, [port2]);
      } catch (error) {
        settle({ error });
      }
    });
    return { result, post: (body) => open && port1.postMessage({ kind: "message", body } satisfies ToThread) };
  }

  /** Stops the thread; its jobs fail. */
  async terminate(): Promise<void> {
    this.#terminating = true;
    this.#forget();
    await this.#worker.terminate();
  }

  #becameIdle(): void {
    // Idle: the thread must not keep the process alive, and its memory goes back soon.
    this.#worker.unref();
    if (this.#settings.idleMs === Infinity) return;
    this.#idleTimer = setTimeout(() => void this.terminate(), this.#settings.idleMs);
    this.#idleTimer.unref();
  }

  #forget(): void {
    this.#gone();
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
  }

  #stopped(cause: Error): void {
    this.#forget();
    const limits = this.#settings.resourceLimits;
    const [reason, what]: [ThreadStop, string] = this.#terminating
      ? ["terminated", "was terminated (its threads were closed)"]
      : (cause as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY"
        ? ["out-of-memory", `ran out of memory (its heap is limited to ${limits.maxOldGenerationSizeMb ?? "V8's default"} MiB old and ${limits.maxYoungGenerationSizeMb ?? "V8's default"} MiB young generation)`]
        : ["failed", `failed: ${cause.message}`];
    for (const settle of [...this.#jobs.values()]) settle({ error: new WorkerThreadError(reason, `its worker thread ${what}`, { cause }) });
  }
}
