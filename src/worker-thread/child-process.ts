/**
 * Jobs in a child Node.js process instead of a worker thread, for work whose memory must go back to the operating
 * system when it is done. A worker thread's heap is freed when the thread ends, but only to this process: V8 keeps
 * the pages for the next isolate, and the process's resident memory stays where the thread took it (measured: a
 * 100,000-file manifest build left 121 MiB in a Pulumi program after its thread was terminated; bench/README.md,
 * site-100k). A child process gives everything back when it exits.
 *
 * One child at a time, started on the first job and shared by the jobs that follow (several at once, as on a thread);
 * it does not hold this process open while it has no job, and `releaseIdle()` ends it. The child runs the same thread
 * entry as a WorkerPool would (serve.ts answers over the IPC channel when it has no parent port), started the same way
 * from the compiled package and from the sources (entry.ts). Messages are structured clones (`serialization:
 * "advanced"`); errors come back as their own classes (carried-error.ts). A child that exits fails its jobs with a
 * WorkerThreadError; the next job starts a new one. Nothing of it outlives this process: the child is killed when
 * this process exits, and exits by itself if this process is killed (its IPC channel closes).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { reviveError, type ErrorType } from "./carried-error.js";
import { bootstrapData, PROCESS_BOOTSTRAP } from "./entry.js";
import { WorkerThreadError, type Job, type JobOptions } from "./pool.js";
import { fromProcessSchema, type ToProcess } from "./protocol.js";

export interface ChildProcessSettings {
  /** Node options of the child, e.g. `--max-semi-space-size=4` (the child's heap is sized when it starts). */
  execArgv: readonly string[];
}

type Outcome = { value: unknown } | { error: unknown };

interface PendingJob {
  child: ChildProcess;
  settle: (outcome: Outcome) => void;
  onMessage: JobOptions["onMessage"];
  listenerError?: { error: unknown };
}

export class ChildProcessRunner {
  readonly #entry: string;
  readonly #settings: ChildProcessSettings;
  readonly #errorTypes: readonly ErrorType[];
  #child: ChildProcess | undefined;
  /** Children ended on purpose (releaseIdle, close): their exit is "terminated", not "failed". */
  readonly #ended = new WeakSet<ChildProcess>();
  readonly #jobs = new Map<number, PendingJob>();
  #nextId = 1;
  /** Kills the child when this process exits (a listener only while a child runs). */
  readonly #killOnExit = (): void => {
    this.#child?.kill("SIGKILL");
  };

  constructor(entry: string, settings: ChildProcessSettings, errorTypes: readonly ErrorType[]) {
    this.#entry = entry;
    this.#settings = settings;
    this.#errorTypes = errorTypes;
  }

  /** Jobs running now (for tests and diagnostics). */
  get jobs(): number {
    return this.#jobs.size;
  }

  /** The child's pid while one runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  run(input: unknown, options: JobOptions = {}): Job {
    const child = this.#child ?? this.#start();
    child.ref();
    child.channel?.ref();
    const id = this.#nextId++;
    let open = true;
    const result = new Promise<unknown>((resolve, reject) => {
      const job: PendingJob = {
        child,
        onMessage: options.onMessage,
        settle: (outcome) => {
          if (!open) return;
          open = false;
          this.#jobs.delete(id);
          if (this.#jobs.size === 0) this.#becameIdle();
          if (job.listenerError) reject(job.listenerError.error);
          else if ("value" in outcome) resolve(outcome.value);
          else reject(outcome.error);
        },
      };
      this.#jobs.set(id, job);
      this.#send(child, { kind: "job", id, input }, job);
    });
    return { result, post: (body) => open && this.#send(child, { kind: "message", id, body }) };
  }

  /** Ends the child if it has no job: its memory goes back to the operating system. The next job starts a new one. */
  releaseIdle(): void {
    if (this.#child && this.#jobs.size === 0) this.#end(this.#child);
  }

  /** Ends the child; jobs still running fail with a WorkerThreadError ("terminated"). */
  close(): void {
    if (this.#child) this.#end(this.#child);
  }

  #start(): ChildProcess {
    // `-e` runs the bootstrap as CommonJS; the entry and the hooks' module come as the one argument after it.
    const child = spawn(process.execPath, [...this.#settings.execArgv, "-e", PROCESS_BOOTSTRAP, JSON.stringify(bootstrapData(this.#entry))], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced",
      windowsHide: true,
    });
    this.#child = child;
    process.on("exit", this.#killOnExit);
    child.on("message", (raw: unknown) => this.#received(raw));
    child.on("error", (error) => this.#stopped(child, "failed", `could not be started or reached: ${error.message}`, error));
    child.on("exit", (code, signal) => {
      const how = signal === null ? `exited with code ${code}` : `was ended by ${signal}`;
      this.#stopped(child, this.#ended.has(child) ? "terminated" : "failed", how);
    });
    return child;
  }

  #send(child: ChildProcess, message: ToProcess, job?: PendingJob): void {
    try {
      child.send(message, (error) => {
        if (error) job?.settle({ error: new WorkerThreadError("failed", `its child process could not be sent the job: ${error.message}`, { cause: error }) });
      });
    } catch (error) {
      job?.settle({ error });
    }
  }

  #received(raw: unknown): void {
    const parsed = fromProcessSchema.safeParse(raw);
    if (!parsed.success) {
      const error = new WorkerThreadError("protocol", `The child process sent a message this version does not understand (${parsed.error.issues[0]?.message ?? "invalid"}); this is a bug of pulumi-wfp-assets.`);
      for (const job of [...this.#jobs.values()]) job.settle({ error });
      return;
    }
    const message = parsed.data;
    const job = this.#jobs.get(message.id);
    if (!job) return;
    if (message.kind === "result") return job.settle({ value: message.value });
    if (message.kind === "error") return job.settle({ error: reviveError(message.error, this.#errorTypes) });
    try {
      job.onMessage?.(message.body);
    } catch (error) {
      job.listenerError ??= { error };
    }
  }

  #becameIdle(): void {
    // Idle: the child must not keep this process alive.
    this.#child?.unref();
    this.#child?.channel?.unref();
  }

  #end(child: ChildProcess): void {
    this.#ended.add(child);
    if (this.#child === child) this.#child = undefined;
    if (!this.#child) process.off("exit", this.#killOnExit);
    child.kill();
  }

  #stopped(child: ChildProcess, reason: "failed" | "terminated", what: string, cause?: unknown): void {
    if (this.#child === child) this.#child = undefined;
    if (!this.#child) process.off("exit", this.#killOnExit);
    const error = new WorkerThreadError(reason, `its child process ${what}`, cause === undefined ? undefined : { cause });
    for (const job of [...this.#jobs.values()]) if (job.child === child) job.settle({ error });
  }
}
