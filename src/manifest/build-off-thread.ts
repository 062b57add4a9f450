/**
 * buildManifest off the caller's thread, for callers whose own thread runs WebAssembly slowly: a Pulumi program.
 *
 * Pulumi's Node.js runner keeps an inspector session with `Debugger.enable` open for the program's whole life
 * (@pulumi/pulumi cmd/run → runtime/closure/v8Hooks, for closure serialization). With a debugger attached, V8
 * runs WebAssembly in its unoptimized debug tier: blake3-wasm hashes at ~130 MiB/s there instead of ~720 MiB/s
 * (bench/README.md). The build runs where no debugger is attached, so the hashing runs at full speed, and the
 * program's own thread stays free for Pulumi's RPCs meanwhile. (This process never loads the WebAssembly module
 * itself: hash.ts loads it lazily.)
 *
 * One child process (src/worker-thread/child-process.ts, build-worker.ts), shared by every call and started on the
 * first; it holds the program open only while a build is pending. A process, not a worker thread: a thread's heap
 * stays in the program after the thread ends (V8 keeps the pages; 121 MiB after a 100,000-file build), which then
 * adds to the peak of everything the program does next, Pulumi's serialization of the inputs included. A process
 * gives it all back when it exits. The same from the compiled package and from the sources.
 */
import { ChildProcessRunner, threadEntry } from "../worker-thread/index.js";
import type { BuildJob } from "./build-worker.js";
import type { ManifestInput } from "./manifest-input.js";
import { manifestErrorType } from "./thread-errors.js";
import type { BuildManifestOptions, BuiltManifest } from "./types.js";

/**
 * The child's semi-space, MiB. The walk makes short-lived objects by the hundred thousand, and V8 would otherwise grow
 * its young generation and keep it (~100 MiB more peak for 100,000 files, a little faster; measured on a thread with
 * young generations of 2–16 MiB: 8, i.e. semi-spaces of ~3 MiB, keeps the speed; bench/README.md).
 */
const SEMI_SPACE_MB = 3;

/** A build this large leaves a heap worth giving back (20,000 files: about 100 MiB). */
export const LARGE_BUILD_FILES = 20_000;

/** The child is kept between builds (the program's next resource), except after a large build (below). */
const runner = new ChildProcessRunner(threadEntry(__dirname, "build-worker"), { execArgv: [`--max-semi-space-size=${SEMI_SPACE_MB}`] }, [manifestErrorType]);

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
 * After a build of LARGE_BUILD_FILES or more the idle child is ended, which gives its memory (grown by the walk, the
 * hash cache and the file list) back before Pulumi serializes the inputs; the next call starts a new one (~0.1 s), a
 * cost only big sites pay.
 */
async function build(job: BuildJob): Promise<BuiltManifest | ManifestInput> {
  const answer = (await runner.run(job).result) as BuiltManifest | ManifestInput;
  if (answer.fileCount >= LARGE_BUILD_FILES) runner.releaseIdle();
  return answer;
}
