import { existsSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { buildManifest } from "./build.js";
import { ManifestError, type ManifestErrorCode } from "./errors.js";
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
  return (worker ??= new ManifestWorker(compiled)).build(directory, options);
}

let worker: ManifestWorker | undefined;

interface WorkerReply {
  id: number;
  result?: BuiltManifest;
  error?: { name: string; message: string; code?: ManifestErrorCode; path?: string; stack?: string };
}

class ManifestWorker {
  private readonly thread: Worker;
  private readonly pending = new Map<number, { resolve: (value: BuiltManifest) => void; reject: (error: unknown) => void }>();
  private nextId = 0;

  constructor(compiledBuild: string) {
    const source = `
      const { parentPort } = require("node:worker_threads");
      const { buildManifest } = require(${JSON.stringify(compiledBuild)});
      const { isManifestError } = require(${JSON.stringify(path.join(path.dirname(compiledBuild), "errors.js"))});
      parentPort.on("message", ({ id, directory, options }) => {
        buildManifest(directory, options).then(
          (result) => parentPort.postMessage({ id, result }),
          (error) => parentPort.postMessage({ id, error: {
            name: error && error.name, message: String(error && error.message || error), stack: error && error.stack,
            code: isManifestError(error) ? error.code : undefined, path: isManifestError(error) ? error.path : undefined,
          } }),
        );
      });`;
    this.thread = new Worker(source, { eval: true });
    this.thread.unref();
    this.thread.on("message", (reply: WorkerReply) => this.settle(reply));
    this.thread.on("error", (error) => this.fail(error));
    this.thread.on("exit", (code) => this.fail(new Error(`the manifest worker thread exited (code ${code})`)));
  }

  build(directory: string, options: BuildManifestOptions): Promise<BuiltManifest> {
    const id = this.nextId++;
    return new Promise<BuiltManifest>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.thread.ref();
      this.thread.postMessage({ id, directory, options });
    });
  }

  private settle(reply: WorkerReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.thread.unref();
    if (reply.result) return waiting.resolve(reply.result);
    waiting.reject(revive(reply.error));
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
