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
 * One thread (src/worker-thread/pool.ts, build-worker.ts), shared by every call and started on the first; it holds
 * the process open only while a build is pending. The same from the compiled package and from the sources.
 */
import { threadEntry, WorkerPool } from "../worker-thread/index.js";
import type { BuildJob } from "./build-worker.js";
import type { ManifestInput } from "./manifest-input.js";
import { manifestErrorType } from "./thread-errors.js";
import type { BuildManifestOptions, BuiltManifest } from "./types.js";

/** The thread's young generation, MiB (measured at 2–16 for 100,000 files: 8 keeps the speed). */
const YOUNG_GENERATION_MB = 8;

/** A build this large leaves a heap worth giving back (20,000 files: about 100 MiB). */
export const LARGE_BUILD_FILES = 20_000;

/**
 * A small young generation: the walk makes short-lived objects by the hundred thousand, and V8 would otherwise grow
 * its semi-spaces and keep them (~100 MiB more peak RSS for 100,000 files, a little faster; bench/README.md). The
 * idle thread is kept (idleMs Infinity) for the program's next resource, except after a large build (below).
 */
const pool = new WorkerPool(
  threadEntry(__dirname, "build-worker"),
  { maxThreads: 1, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB }, idleMs: Infinity },
  [manifestErrorType],
);

export function buildManifestOffThread(directory: string, options: BuildManifestOptions = {}): Promise<BuiltManifest> {
  return build({ directory, options, form: "built" }) as Promise<BuiltManifest>;
}

/**
 * The same build, answered as the program's `manifest` input (manifest-input.ts): only one string crosses back, so
 * the program's thread never holds the per-file list.
 */
export function manifestInputOffThread(directory: string, options: BuildManifestOptions = {}): Promise<ManifestInput> {
  return build({ directory, options, form: "input" }) as Promise<ManifestInput>;
}

/**
 * After a build of LARGE_BUILD_FILES or more the idle thread is stopped, which gives its heap (grown by the walk and
 * the file list) back before Pulumi serializes the inputs; the next call starts a new one (~50 ms), a cost only big
 * sites pay.
 */
async function build(job: BuildJob): Promise<BuiltManifest | ManifestInput> {
  const answer = (await pool.run(job).result) as BuiltManifest | ManifestInput;
  if (answer.fileCount >= LARGE_BUILD_FILES) pool.releaseIdle();
  return answer;
}
