/**
 * Gives the calling thread's grown young generation back to the OS once a deploy has moved to a deploy thread.
 *
 * Measured in the Pulumi provider (bench/README.md, big-site, with process.memoryUsage() and
 * v8.getHeapSpaceStatistics() sampled every 100 ms): decoding a 20,000-entry `create` request (Pulumi's gRPC code,
 * before any of ours runs) grows V8's new space from 32 to 128 MiB, and V8 keeps it committed for the rest of the
 * process, deploy thread or not — the thread's heap then comes on top. V8 shrinks the new space only in a
 * memory-reducing full GC, which an idle provider never gets; Node has no API for one. `gc()` with the
 * "last-resort" flavour is such a GC (CollectAllAvailableGarbage): the new space went from 128 to 1 MiB in a test
 * of the same shape. The `gc` function is obtained the one way Node allows at run time: the --expose-gc flag, which
 * only affects contexts created afterwards, and a new vm context that carries it.
 *
 * It runs only when it pays: the new space has grown past V8's starting size, and at most once in MIN_INTERVAL_MS, so
 * a fleet of small deploys does not pay a full GC each (one such GC of the provider's ~200 MiB heap takes a few
 * hundred milliseconds).
 */
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** V8's new space starts at a few MiB and grows in doublings; above this it has grown under a burst of allocation. */
const GROWN_NEW_SPACE_BYTES = 32 * 1024 * 1024;
const MIN_INTERVAL_MS = 30_000;

type GcFunction = (options?: { type?: "major" | "minor"; execution?: "sync" | "async"; flavor?: "regular" | "last-resort" }) => void;

let gcFunction: GcFunction | null | undefined;
let lastRun = Number.NEGATIVE_INFINITY;

function loadGc(): GcFunction | null {
  if (gcFunction !== undefined) return gcFunction;
  try {
    setFlagsFromString("--expose-gc");
    const found: unknown = runInNewContext("typeof gc === 'function' ? gc : null");
    gcFunction = typeof found === "function" ? (found as GcFunction) : null;
  } catch {
    gcFunction = null; // a runtime without the flag: nothing to do
  }
  return gcFunction;
}

function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;
}

/** Runs one memory-reducing GC if the young generation has grown and none ran recently; returns whether it ran. */
export function releaseYoungGeneration(now: number = performance.now()): boolean {
  if (now - lastRun < MIN_INTERVAL_MS || newSpaceBytes() <= GROWN_NEW_SPACE_BYTES) return false;
  const gc = loadGc();
  if (!gc) return false;
  lastRun = now;
  gc({ type: "major", execution: "sync", flavor: "last-resort" });
  return true;
}
