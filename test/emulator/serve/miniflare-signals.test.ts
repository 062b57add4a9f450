/**
 * The emulator's one change to its host process (src/emulator/serve/miniflare-signals.ts): Miniflare's SIGINT,
 * SIGTERM and SIGHUP listeners are swapped for ones that run only when the program has no listener of its own.
 * The first group checks, in fresh processes with the real Miniflare, what that relies on, so a Miniflare upgrade
 * that changes it fails here, loudly; the second checks the swap itself.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { withDeferredSignalListeners } from "../../../src/emulator/serve/miniflare-signals.js";
import { NODE, REPO_ROOT } from "../../fixtures/repo.mjs";

const SIGNALS_MODULE = path.join(REPO_ROOT, "src", "emulator", "serve", "miniflare-signals.ts");
// The smallest Miniflare 5 instance: one ES-module Worker (the shape serve/worker-config.ts builds).
const WORKER = `{ workers: [{ config: { name: "w", compatibilityDate: "2025-06-01", manifest: { mainModule: "w.mjs", modules: { "w.mjs": { type: "esm", contents: "export default { fetch() { return new Response('ok'); } }" } } } } }] }`;

/** Runs `code` as an ES module in a fresh Node process (Miniflare imported as `Miniflare`); its exit code and output. */
function runFresh(code: string): { status: number | null; stdout: string } {
  const script = `const { Miniflare } = await import("miniflare");\n${code}`;
  const run = spawnSync(NODE, ["--input-type=module", "-e", script], { cwd: REPO_ROOT, encoding: "utf8", timeout: 30_000 });
  if (run.status === 1) throw new Error(`The fresh process failed: ${run.stderr}`);
  return { status: run.status, stdout: run.stdout };
}

/** A program that handles SIGTERM itself (a graceful stop, exit code 0), creates a Miniflare and is sent SIGTERM. */
function hostProgram(create: string): string {
  return `
    let mf;
    process.on("SIGTERM", async () => { console.log("host stops"); await mf?.dispose(); process.exit(0); });
    ${create}
    process.kill(process.pid, "SIGTERM");
    setTimeout(() => process.exit(7), 20_000); // neither listener ran
  `;
}

describe("Miniflare's signal listeners (what the workaround relies on)", () => {
  it("are added while `new Miniflare` runs, one per SIGINT, SIGTERM and SIGHUP, and are the same functions for every instance", () => {
    const { stdout } = runFresh(`
      const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
      const before = Object.fromEntries(signals.map((s) => [s, process.listeners(s)]));
      const addedBy = () => signals.map((s) => process.listeners(s).filter((l) => !before[s].includes(l)));
      const first = new Miniflare(${WORKER});
      const added = addedBy();
      const second = new Miniflare(${WORKER});
      const both = addedBy();
      await Promise.all([first.dispose(), second.dispose()]);
      console.log(JSON.stringify({ added: added.map((ls) => ls.length), shared: both.every((ls, i) => ls.length === 1 && ls[0] === added[i][0]), left: addedBy().map((ls) => ls.length) }));
    `);
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({ added: [1, 1, 1], shared: true, left: [0, 0, 0] });
  });

  it("exit the process at once (SIGTERM: 143), before a program's own graceful stop finishes (the reason for the workaround)", () => {
    const run = runFresh(hostProgram(`mf = new Miniflare(${WORKER});`));
    expect(run.status).toBe(143);
  });

  it("leave the program's own stop alone once swapped, and still exit when the program has no listener", () => {
    const load = `const { withDeferredSignalListeners } = await import(${JSON.stringify(SIGNALS_MODULE)});`;
    const hosted = runFresh(`${load}${hostProgram(`mf = withDeferredSignalListeners(() => new Miniflare(${WORKER}));`)}`);
    expect(hosted).toEqual({ status: 0, stdout: "host stops\n" });
    const alone = runFresh(`${load}withDeferredSignalListeners(() => new Miniflare(${WORKER})); process.kill(process.pid, "SIGTERM"); setTimeout(() => process.exit(7), 20_000);`);
    expect(alone.status).toBe(143);
  });
});

const initial = process.listeners("SIGHUP");
afterEach(() => {
  for (const l of process.listeners("SIGHUP")) if (!initial.includes(l)) process.removeListener("SIGHUP", l);
});
describe("withDeferredSignalListeners", () => {
  it("swaps a listener added by the callback for one that runs only when nothing else handles the signal", () => {
    expect(initial).toEqual([]); // the test needs a process without SIGHUP handlers of its own
    const calls: string[] = [];
    const miniflareLike = () => calls.push("miniflare");
    const value = withDeferredSignalListeners(() => {
      process.on("SIGHUP", miniflareLike);
      return 42;
    });
    expect(value).toBe(42);
    expect(process.listeners("SIGHUP")).not.toContain(miniflareLike);
    expect(process.listenerCount("SIGHUP")).toBe(1);

    const host = () => calls.push("host");
    process.on("SIGHUP", host);
    process.emit("SIGHUP", "SIGHUP");
    expect(calls).toEqual(["host"]);

    process.removeListener("SIGHUP", host);
    process.emit("SIGHUP", "SIGHUP");
    expect(calls).toEqual(["host", "miniflare"]);
  });

  it("installs one replacement when the same listener is added again later", () => {
    const listener = () => undefined;
    withDeferredSignalListeners(() => process.on("SIGHUP", listener));
    process.removeListener("SIGHUP", listener); // what Miniflare's own removal would do: a no-op here
    withDeferredSignalListeners(() => process.on("SIGHUP", listener));
    expect(process.listenerCount("SIGHUP")).toBe(1);
    expect(process.listeners("SIGHUP")).not.toContain(listener);
  });

  it("leaves listeners that were there before alone", () => {
    const existing = () => undefined;
    process.on("SIGHUP", existing);
    withDeferredSignalListeners(() => undefined);
    expect(process.listeners("SIGHUP")).toEqual([existing]);
  });
});
