import { existsSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { buildManifest } from "./build.js";
import { ManifestError, type ManifestErrorCode } from "./errors.js";
import { toManifestInput, type ManifestInput } from "./manifest-input.js";
import type { BuildManifestOptions, BuiltManifest } from "./types.js";

/**
 * buildManifest on a worker thread, for callers whose own thread runs WebAssembly slowly: a Pulumi program.
 *
 * Pulumi's Node.js runner keeps an inspector session with `Debugger.enable` open for the program's whole life
 * (@pulumi/pulumi cmd/run → runtime/closure/v8Hooks, for closure serialization). With a debugger attached, V8
 * runs WebAssembly in its unoptimized debug tier: blake3-wasm hashes at ~130 MiB/s there instead of ~720 MiB/s
 * (bench/README.md). A worker thread is a separate isolate with no debugger, so the hashing runs at full speed,
 * and the program's own thread stays free for Pulumi's RPCs meanwhile.
 *
 * That holds only if this thread never loads the WebAssembly module itself: V8 shares a compiled module between
 * threads, and once a debugged thread has used it, it is slow everywhere (hash.ts therefore loads it lazily).
 *
 * One worker, shared by every call and started on the first; requests run one after another on it (hashing is
 * CPU-bound, so a queue loses nothing on 2 cores and keeps memory to one build at a time). It holds the process
 * open only while a request is pending. Running from TypeScript sources (tests), where there is no compiled
 * build.js to load, it builds on the calling thread.
 */
export function buildManifestOffThread(directory: string, options: BuildManifestOptions = {}): Promise<BuiltManifest> {
  const compiled = path.join(__dirname, "build.js");
  if (!existsSync(compiled)) return buildManifest(directory, options);
  return (worker ??= new ManifestWorker(compiled)).build(directory, options, "built") as Promise<BuiltManifest>;
}

/**
 * The same build, answered as the program's `manifest` input (manifest-input.ts): only one string crosses back, so
 * the program's thread never holds the per-file list. After a build of LARGE_BUILD_FILES or more the idle worker is
 * stopped, which gives its heap (grown by the walk and the file list) back before Pulumi serializes the inputs; the
 * next call starts a new one (~50 ms), a cost only big sites pay.
 */
export async function manifestInputOffThread(directory: string, options: BuildManifestOptions = {}): Promise<ManifestInput> {
  const compiled = path.join(__dirname, "build.js");
  if (!existsSync(compiled)) return toManifestInput(await buildManifest(directory, options));
  return (worker ??= new ManifestWorker(compiled)).build(directory, options, "input") as Promise<ManifestInput>;
}

/** The worker's young generation, MiB (measured at 2–16 for 100,000 files: 8 keeps the speed). */
const YOUNG_GENERATION_MB = 8;

/** A build this large leaves a heap worth giving back (20,000 files: about 100 MiB). */
export const LARGE_BUILD_FILES = 20_000;

let worker: ManifestWorker | undefined;

type ReplyForm = "built" | "input";

interface WorkerReply {
  id: number;
  result?: BuiltManifest | ManifestInput;
  error?: { name: string; message: string; code?: ManifestErrorCode; path?: string; stack?: string };
}

class ManifestWorker {
  private readonly thread: Worker;
  private readonly pending = new Map<number, { resolve: (value: BuiltManifest | ManifestInput) => void; reject: (error: unknown) => void }>();
  private nextId = 0;

  constructor(compiledBuild: string) {
    const source = `
      const { parentPort } = require("node:worker_threads");
      const { buildManifest } = require(${JSON.stringify(compiledBuild)});
      const { toManifestInput } = require(${JSON.stringify(path.join(path.dirname(compiledBuild), "manifest-input.js"))});
      const { isManifestError } = require(${JSON.stringify(path.join(path.dirname(compiledBuild), "errors.js"))});
      parentPort.on("message", ({ id, directory, options, form }) => {
        buildManifest(directory, options).then(
          (built) => parentPort.postMessage({ id, result: form === "input" ? toManifestInput(built) : built }),
          (error) => parentPort.postMessage({ id, error: {
            name: error && error.name, message: String(error && error.message || error), stack: error && error.stack,
            code: isManifestError(error) ? error.code : undefined, path: isManifestError(error) ? error.path : undefined,
          } }),
        );
      });`;
    // A small young generation: the walk makes short-lived objects by the hundred thousand, and V8 would otherwise grow
    // its semi-spaces and keep them (~100 MiB more peak RSS for 100,000 files, a little faster; bench/README.md).
    this.thread = new Worker(source, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    this.thread.unref();
    this.thread.on("message", (reply: WorkerReply) => this.settle(reply));
    this.thread.on("error", (error) => this.fail(error));
    this.thread.on("exit", (code) => this.fail(new Error(`the manifest worker thread exited (code ${code})`)));
  }

  build(directory: string, options: BuildManifestOptions, form: ReplyForm): Promise<BuiltManifest | ManifestInput> {
    const id = this.nextId++;
    return new Promise<BuiltManifest | ManifestInput>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.thread.ref();
      this.thread.postMessage({ id, directory, options, form });
    });
  }

  private settle(reply: WorkerReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) {
      this.thread.unref();
      if ((reply.result?.fileCount ?? 0) >= LARGE_BUILD_FILES) this.stop();
    }
    if (reply.result) return waiting.resolve(reply.result);
    waiting.reject(revive(reply.error));
  }

  /** Ends the idle thread (its heap goes with it); the next call starts a new worker. */
  private stop(): void {
    if (worker === this) worker = undefined;
    void this.thread.terminate();
  }

  /** The worker is gone: every pending request fails, and the next call starts a new worker. */
  private fail(error: unknown): void {
    if (worker === this) worker = undefined;
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
}

/** Errors cross threads as plain data; a ManifestError comes back as one, with its code and path. */
function revive(error: WorkerReply["error"]): Error {
  if (error?.code) {
    const revived = new ManifestError(error.code, error.message, error.path === undefined ? {} : { path: error.path });
    if (error.stack) revived.stack = error.stack;
    return revived;
  }
  const plain = new Error(error?.message ?? "the manifest worker failed");
  if (error?.name) plain.name = error.name;
  if (error?.stack) plain.stack = error.stack;
  return plain;
}
