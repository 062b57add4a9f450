/**
 * What src/host/young-generation.ts relies on, and what it does: `gc` can be taken from a vm context made while
 * --expose-gc is set, and no later context (nor this one's global) gets it; a young generation grown by a burst of
 * surviving allocations (in the provider: Pulumi decoding a 20,000-entry request) is given back by one "last-resort"
 * GC, which is not repeated within its interval or run when the young generation is small.
 */
import { getHeapSpaceStatistics } from "node:v8";
import { describe, expect, it } from "vitest";
import { runInNewContext } from "node:vm";
import { LARGE_CALL_CHARS, loadGc, releaseGrownHeapNow, releaseHeapAfterAnswer, releaseHeapNow, releaseYoungGeneration } from "../../src/host/young-generation.js";

const MiB = 1024 * 1024;
const newSpace = (): number => getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0;

/** Objects that survive several scavenges make V8 grow the new space (to 64–128 MiB on Node 24). */
function growYoungGeneration(): void {
  let keep: Array<Array<{ i: number; s: string }>> = [];
  for (let round = 0; round < 30 && newSpace() <= 48 * MiB; round++) {
    const batch: Array<{ i: number; s: string }> = [];
    for (let i = 0; i < 200_000; i++) batch.push({ i, s: `x${i}` });
    keep.push(batch);
    if (keep.length > 3) keep.shift();
  }
  keep = [];
}

describe("loadGc", () => {
  it("takes gc from a context of its own, and leaves the flag off for every other context", () => {
    expect(typeof loadGc()).toBe("function");
    expect(runInNewContext("typeof gc")).toBe("undefined");
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe("undefined");
  });
});

describe("releaseYoungGeneration", () => {
  it("gives a grown young generation back, once per interval, and leaves a small one alone", () => {
    growYoungGeneration();
    expect(newSpace()).toBeGreaterThan(32 * MiB);
    const start = 1_000_000;
    expect(releaseYoungGeneration(start)).toBe(true);
    expect(newSpace()).toBeLessThanOrEqual(16 * MiB);

    growYoungGeneration();
    expect(releaseYoungGeneration(start + 1_000)).toBe(false); // too soon after the last one
    expect(newSpace()).toBeGreaterThan(32 * MiB);
    expect(releaseYoungGeneration(start + 60_000)).toBe(true);

    expect(newSpace()).toBeLessThanOrEqual(16 * MiB);
    expect(releaseYoungGeneration(start + 120_000)).toBe(false); // nothing to give back
  });
});

describe("releaseHeapNow", () => {
  it("collects for a call that carried a large manifest, and never for a small one", () => {
    growYoungGeneration();
    expect(releaseHeapNow(LARGE_CALL_CHARS - 1)).toBe(false);
    expect(newSpace()).toBeGreaterThan(32 * MiB);
    expect(releaseHeapNow(LARGE_CALL_CHARS)).toBe(true);
    expect(newSpace()).toBeLessThanOrEqual(16 * MiB);
  });
});

describe("releaseGrownHeapNow", () => {
  it("collects for a large call only once the heap has grown since the last collection", () => {
    releaseHeapNow(LARGE_CALL_CHARS);
    expect(releaseGrownHeapNow(LARGE_CALL_CHARS)).toBe(false); // nothing grown since
    growYoungGeneration();
    expect(releaseGrownHeapNow(LARGE_CALL_CHARS - 1)).toBe(false);
    expect(releaseGrownHeapNow(LARGE_CALL_CHARS)).toBe(true);
    expect(newSpace()).toBeLessThanOrEqual(16 * MiB);
  });
});

describe("releaseHeapAfterAnswer", () => {
  it("collects once the current turn's work is done (the shim's encoding of the answer), once for several calls", async () => {
    expect(await releaseHeapAfterAnswer(1000)).toBe(false);
    growYoungGeneration();
    const first = releaseHeapAfterAnswer(LARGE_CALL_CHARS);
    const second = releaseHeapAfterAnswer(2 * LARGE_CALL_CHARS);
    expect(second).toBe(first);
    // What runs after the method returns, in the same turn (promise continuations), still sees the heap as it was.
    await Promise.resolve();
    expect(newSpace()).toBeGreaterThan(32 * MiB);
    expect(await first).toBe(true);
    expect(newSpace()).toBeLessThanOrEqual(16 * MiB);
    expect(await releaseHeapAfterAnswer(LARGE_CALL_CHARS)).toBe(false); // the heap has not grown since
  });
});
