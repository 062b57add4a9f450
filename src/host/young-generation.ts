/**
 * Gives the calling thread's grown young generation back to the OS before a deploy moves to a deploy thread.
 *
 * Why: in the Pulumi provider, decoding a 20,000-entry `create` request (Pulumi's gRPC code, before any of ours runs)
 * grows V8's new space from 32 to 128 MiB, and V8 keeps it committed for the rest of the process; the deploy
 * thread's heap then comes on top. V8 shrinks the new space only in a memory-reducing full GC, which an idle provider
 * never gets, and Node has no API for one. Measured with bench/README.md's pulumi-site (20k site, provider peak RSS
 * of the cold `up`, 2026-12-07): 247 MiB with this, 306 MiB without — over the 300 MB (286 MiB) target. A recycled
 * worker does not help: the grown heap is the provider's own thread, which cannot be restarted.
 *
 * How, and what it relies on (checked against Node 24.21.0; test/host/young-generation.test.ts): `gc()` with the
 * "last-resort" flavour is such a GC (V8's CollectAllAvailableGarbage; the new space went from 128 to 1 MiB). Node
 * gives `gc` only to contexts made while the --expose-gc flag is set, and setting a V8 flag after start is not
 * supported by Node (v8.setFlagsFromString). So the flag is set for the one moment a new vm context is made to take
 * `gc` from, and cleared again, so that no other context of the host ever sees a `gc` global.
 *
 * It runs only when it pays: the new space has grown past V8's starting size, and at most once in MIN_INTERVAL_MS, so
 * a fleet of small deploys does not pay a full GC each (one such GC of the provider's ~200 MiB heap blocks the thread
 * for a few hundred milliseconds). deployAssets(…, { offThread: true }) calls it (src/deploy/deploy-thread.ts).
 *
 * The same GC also runs around the provider's calls that carry a large manifest (releaseHeapNow,
 * releaseHeapAfterAnswer; src/provider/engine.ts): the Pulumi shim's protobuf decoding and encoding of such a call
 * grow the heap by several times the manifest's size, and without it each call stacked on the last (100,000 files:
 * no-op preview 509 MiB; src/host/README.md says what was measured).
 */
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** V8's new space starts at a few MiB and grows in doublings; above this it has grown under a burst of allocation. */
const GROWN_NEW_SPACE_BYTES = 32 * 1024 * 1024;
const MIN_INTERVAL_MS = 30_000;

type GcFunction = (options?: { type?: "major" | "minor"; execution?: "sync" | "async"; flavor?: "regular" | "last-resort" }) => void;

let gcFunction: GcFunction | null | undefined;
let lastRun = Number.NEGATIVE_INFINITY;

/** V8's `gc`, taken from a context made while --expose-gc was set for that moment only; null where that fails. */
export function loadGc(): GcFunction | null {
  if (gcFunction !== undefined) return gcFunction;
  try {
    setFlagsFromString("--expose-gc");
    const found: unknown = runInNewContext("typeof gc === 'function' ? gc : null");
    gcFunction = typeof found === "function" ? (found as GcFunction) : null;
  } catch {
    gcFunction = null; // a runtime without the flag: nothing to do
  } finally {
    setFlagsFromString("--no-expose-gc");
  }
  return gcFunction;
}

export function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;
}

/** One memory-reducing full GC ("last-resort": V8's CollectAllAvailableGarbage); false where `gc` is unavailable. */
function collectAllGarbage(): boolean {
  const gc = loadGc();
  if (!gc) return false;
  gc({ type: "major", execution: "sync", flavor: "last-resort" });
  heapAfterLastCollection = getHeapStatistics().total_heap_size;
  return true;
}

/**
 * Heap growth since the last of these GCs below which a provider call's garbage is left to V8: a site of ~15,000–
 * 30,000 files then pays one full GC every few calls instead of one per call, while a 100,000-file call (60–150 MiB
 * of growth) always gets its own.
 */
const GROWTH_WORTH_COLLECTING = 48 * 1024 * 1024;
let heapAfterLastCollection = 0;

function heapHasGrown(): boolean {
  return getHeapStatistics().total_heap_size - heapAfterLastCollection > GROWTH_WORTH_COLLECTING;
}

/** Runs one memory-reducing GC if the young generation has grown and none ran recently; returns whether it ran. */
export function releaseYoungGeneration(now: number = performance.now()): boolean {
  if (now - lastRun < MIN_INTERVAL_MS || newSpaceBytes() <= GROWN_NEW_SPACE_BYTES) return false;
  if (!collectAllGarbage()) return false;
  lastRun = now;
  return true;
}

/**
 * A provider call whose inputs carry at least this many characters (a manifest text of ~15,000 files) makes the
 * Pulumi shim's protobuf decoding and encoding grow the heap by more than the call's own size (docs in README.md).
 */
export const LARGE_CALL_CHARS = 1024 * 1024;

/**
 * Before a provider method returns an answer that carries a large manifest (check's, which the shim then encodes with
 * google-protobuf's writer: one JavaScript number per byte, ~20 bytes of heap per byte of text): one memory-reducing
 * GC now, so that the encoding grows a heap that holds only what is live rather than the request's decoding garbage
 * and a young generation already grown to its maximum. Returns whether it ran.
 */
export function releaseHeapNow(chars: number): boolean {
  return chars >= LARGE_CALL_CHARS && collectAllGarbage();
}

/** releaseHeapNow, but only if the heap grew by more than GROWTH_WORTH_COLLECTING since the last such GC. */
export function releaseGrownHeapNow(chars: number): boolean {
  return chars >= LARGE_CALL_CHARS && heapHasGrown() && collectAllGarbage();
}

let afterAnswer: Promise<boolean> | undefined;

/**
 * After a provider method that handled `chars` characters of input: one memory-reducing GC once the method's answer
 * is encoded and handed to gRPC, so that the next call's decoding starts from a small heap instead of stacking on
 * this one's. The Pulumi shim encodes the answer in the microtasks after our method returns, so a `setImmediate`
 * runs after it (measured: src/host/README.md). Small calls (a fleet's tenants) never pay a full GC; several large
 * ones answered in the same turn share one, and none runs unless the heap grew (GROWTH_WORTH_COLLECTING). Resolves to
 * whether a GC ran.
 */
export function releaseHeapAfterAnswer(chars: number): Promise<boolean> {
  if (chars < LARGE_CALL_CHARS) return Promise.resolve(false);
  afterAnswer ??= new Promise((resolve) => {
    setImmediate(() => {
      afterAnswer = undefined;
      resolve(heapHasGrown() && collectAllGarbage());
    });
  });
  return afterAnswer;
}
