/**
 * WorkerPool with a real thread entry (the manifest's build-worker.ts), from the TypeScript sources: a job runs on a
 * thread of its own heap and answers; an idle thread stays for the next job, releaseIdle() and close() end threads;
 * a job whose thread is terminated fails with a WorkerThreadError ("terminated"); settings a thread cannot start
 * with are refused before any thread starts. (Messages both ways, out-of-memory and the budget over a job's port are
 * judged through the deploy threads: test/deploy/deploy-thread.test.ts.)
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { manifestErrorType } from "../../src/manifest/thread-errors.js";
import { MODULE_EXTENSION, threadEntry, WorkerPool, WorkerThreadError, type PoolSettings } from "../../src/worker-thread/index.js";
import { useTempDirs, writeTree } from "../manifest/tree.js";

const { tempDir } = useTempDirs();
const entry = threadEntry(path.resolve(__dirname, "..", "..", "src", "manifest"), "build-worker");
const SETTINGS: PoolSettings = { maxThreads: 1, resourceLimits: { maxYoungGenerationSizeMb: 8 }, idleMs: Infinity };
const pools: WorkerPool[] = [];
const pool = (settings: PoolSettings = SETTINGS): WorkerPool => {
  const made = new WorkerPool(entry, settings, [manifestErrorType]);
  pools.push(made);
  return made;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe("WorkerPool", () => {
  it("from the sources, the thread entry is the .ts module", () => {
    expect(MODULE_EXTENSION).toBe(".ts");
    expect(entry.endsWith(path.join("src", "manifest", "build-worker.ts"))).toBe(true);
  });

  it("runs jobs on one kept thread, and releaseIdle() ends it", async () => {
    const root = await tempDir();
    await writeTree(root, { "index.html": "<h1>hi</h1>" });
    const p = pool();
    const first = (await p.run({ directory: root, options: {}, form: "input" }).result) as { fileCount: number };
    expect(first.fileCount).toBe(1);
    const [thread] = p.snapshot();
    expect(thread).toMatchObject({ jobs: 0 });
    await p.run({ directory: root, options: {}, form: "input" }).result;
    expect(p.snapshot()).toEqual([thread]);
    p.releaseIdle();
    expect(p.snapshot()).toEqual([]);
  });

  it("a job whose thread is closed fails with a WorkerThreadError, and the next job gets a new thread", async () => {
    const root = await tempDir();
    await writeTree(root, { "a.txt": "a" });
    const p = pool();
    const job = p.run({ directory: root, options: {}, form: "built" });
    await p.close();
    await expect(job.result).rejects.toBeInstanceOf(WorkerThreadError);
    await expect(job.result).rejects.toMatchObject({ reason: "terminated" });
    await expect(p.run({ directory: root, options: {}, form: "input" }).result).resolves.toMatchObject({ fileCount: 1 });
  });

  it("refuses settings a thread cannot start with, naming the setting", () => {
    expect(() => pool({ ...SETTINGS, maxThreads: 0 })).toThrow(/maxThreads must be a whole number >= 1/);
    expect(() => pool({ ...SETTINGS, resourceLimits: { maxOldGenerationSizeMb: 2 } })).toThrow(/maxOldGenerationSizeMb must be at least 8/);
    expect(() => pool({ ...SETTINGS, idleMs: -1 })).toThrow(/idleMs must be a number >= 0/);
  });
});
