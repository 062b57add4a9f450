/**
 * ChildProcessRunner with a real entry (the manifest's build-worker.ts), from the TypeScript sources: jobs run in one
 * kept child process and answer; an error comes back as its own class with the child's stack; releaseIdle() ends
 * the child (it is gone from the system) and the next job starts a new one; a child that dies fails its jobs with a
 * WorkerThreadError, and the runner recovers; close() fails a running job as "terminated".
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManifestError } from "../../src/manifest/errors.js";
import { manifestErrorType } from "../../src/manifest/thread-errors.js";
import { ChildProcessRunner, threadEntry, WorkerThreadError } from "../../src/worker-thread/index.js";
import { useTempDirs, writeTree } from "../manifest/tree.js";

const { tempDir } = useTempDirs();
const entry = threadEntry(path.resolve(__dirname, "..", "..", "src", "manifest"), "build-worker");
const runners: ChildProcessRunner[] = [];
const runner = (): ChildProcessRunner => {
  const made = new ChildProcessRunner(entry, { execArgv: ["--max-semi-space-size=3"] }, [manifestErrorType]);
  runners.push(made);
  return made;
};
afterEach(() => {
  for (const r of runners.splice(0)) r.close();
});

const alive = (pid: number): boolean => fs.existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("ChildProcessRunner", () => {
  it("runs jobs in one kept child process, and releaseIdle() ends it", async () => {
    const root = await tempDir();
    await writeTree(root, { "index.html": "<h1>hi</h1>", "a/b.css": "body{}" });
    const r = runner();
    const first = (await r.run({ directory: root, options: {}, form: "input" }).result) as { fileCount: number; manifestJson: string };
    expect(first.fileCount).toBe(2);
    expect(Object.keys(JSON.parse(first.manifestJson))).toEqual(["/a/b.css", "/index.html"]);
    const pid = r.pid!;
    expect(pid).not.toBe(process.pid);
    expect(alive(pid)).toBe(true);
    // Several at once share the child.
    const both = await Promise.all([r.run({ directory: root, options: {}, form: "input" }).result, r.run({ directory: root, options: {}, form: "built" }).result]);
    expect(both.map((b) => (b as { fileCount: number }).fileCount)).toEqual([2, 2]);
    expect(r.pid).toBe(pid);
    r.releaseIdle();
    await until(() => !alive(pid));
    expect(r.pid).toBeUndefined();
    await r.run({ directory: root, options: {}, form: "input" }).result;
    expect(r.pid).not.toBe(pid);
  });

  it("carries an error back as its own class, with the child's stack", async () => {
    const root = await tempDir();
    const error = await runner()
      .run({ directory: path.join(root, "missing"), options: {}, form: "input" })
      .result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestError);
    expect(error).toMatchObject({ code: "directory-missing" });
    expect((error as Error).stack).toContain(path.join("src", "manifest", "build-worker.ts"));
  });

  it("fails the jobs of a child that dies, and starts a new child for the next job", async () => {
    const root = await tempDir();
    await writeTree(root, Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`f/${i}.txt`, `file ${i}`])));
    const r = runner();
    await r.run({ directory: root, options: {}, form: "input" }).result;
    const pid = r.pid!;
    // Killed right after the job is sent: a 2,000-file build cannot have answered yet.
    const pending = r.run({ directory: root, options: {}, form: "input" }).result.catch((e: unknown) => e);
    process.kill(pid, "SIGKILL");
    const outcome = await pending;
    expect(outcome).toBeInstanceOf(WorkerThreadError);
    expect(outcome).toMatchObject({ reason: "failed" });
    expect((outcome as Error).message).toMatch(/child process was ended by SIGKILL/);
    expect(r.pid).toBeUndefined();
    const again = (await r.run({ directory: root, options: {}, form: "input" }).result) as { fileCount: number };
    expect(again.fileCount).toBe(2000);
    expect(r.pid).not.toBe(pid);
  });

  it("close() fails a running job as terminated", async () => {
    const root = await tempDir();
    await writeTree(root, Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`f/${i}.txt`, `file ${i}`])));
    const r = runner();
    const job = r.run({ directory: root, options: {}, form: "input" }).result.catch((e: unknown) => e);
    r.close();
    const outcome = await job;
    expect(outcome).toBeInstanceOf(WorkerThreadError);
    expect(outcome).toMatchObject({ reason: "terminated" });
  });
});

describe("ChildProcessRunner and the process that started it", () => {
  it("kills its child when that process exits, even a child that could not notice (stopped)", async () => {
    const root = await tempDir();
    await writeTree(root, { "index.html": "x" });
    // A process that starts a child, prints its pid, and exits when told to (a line on stdin). The child is stopped
    // before that: it cannot see its channel close, so only the parent's kill can end it.
    const script = `
      const { registerTypeScriptSources } = require(${JSON.stringify(path.resolve(__dirname, "..", "..", "src", "worker-thread", "typescript-sources.ts"))});
      registerTypeScriptSources(${JSON.stringify(entry)});
      const { ChildProcessRunner } = require(${JSON.stringify(path.resolve(__dirname, "..", "..", "src", "worker-thread", "child-process.ts"))});
      const r = new ChildProcessRunner(${JSON.stringify(entry)}, { execArgv: [] }, []);
      r.run({ directory: ${JSON.stringify(root)}, options: {}, form: "input" }).result.then(() => {
        console.log(r.pid);
        process.stdin.once("data", () => process.exit(0));
      });
    `;
    const parent = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "inherit"] });
    const exited = new Promise((resolve) => parent.once("exit", resolve));
    const pid = await new Promise<number>((resolve) => parent.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    expect(alive(pid)).toBe(true);
    process.kill(pid, "SIGSTOP");
    try {
      parent.stdin.write("exit\n");
      await exited;
      await until(() => !alive(pid), 500);
    } finally {
      if (alive(pid)) process.kill(pid, "SIGKILL"); // a failing run must not leave it stopped, holding our pipes
    }
  });
});
