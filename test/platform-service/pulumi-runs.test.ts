/**
 * The fence (packages/platform-service/src/pulumi-runs.ts) on real processes shaped like a Pulumi run: a session
 * of its own (as the `setsid` wrapper makes it), children in process groups of their own (as the engine starts
 * its plugins), one without the owner variable, one orphaned (its parent gone, as a provider whose CLI died
 * first). All of it dies; another owner's run and this process live on.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { killPulumiRuns, readProcessTable, RUN_OWNER_VARIABLE, runProcesses } from "../../packages/platform-service/src/pulumi-runs.ts";
import { isAlive } from "../fixtures/process-tree.mjs";

const started: ChildProcess[] = [];

/** A run of `owner`: bash in its own session, three sleeps in groups of their own, one unmarked, one orphaned. */
function fakeRun(owner: string): ChildProcess {
  const child = spawn("setsid", ["bash", "-c", `set -m; sleep 301 & env -u ${RUN_OWNER_VARIABLE} sleep 302 & (sleep 303 &); wait`], {
    env: { ...process.env, [RUN_OWNER_VARIABLE]: owner },
    stdio: "ignore",
  });
  started.push(child);
  return child;
}

/** Live processes of the session `sid` (the run's bash is its leader: sid = its pid). */
function sessionMembers(sid: number): number[] {
  return readProcessTable()
    .filter((entry) => entry.sid === sid)
    .map((entry) => entry.pid);
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(condition(), what).toBe(true);
}

afterEach(() => {
  for (const child of started.splice(0)) {
    for (const pid of sessionMembers(child.pid!)) process.kill(pid, "SIGKILL");
  }
});

describe.runIf(process.platform === "linux")("killPulumiRuns", () => {
  it("kills every process of the owner's runs, in every group of their sessions, orphans too; nothing else", async () => {
    const mine = fakeRun("replica-fence-a");
    const other = fakeRun("replica-fence-b");
    await until(() => sessionMembers(mine.pid!).length === 4 && sessionMembers(other.pid!).length === 4, "both runs started their 3 sleeps");
    const groups = new Set(readProcessTable().filter((entry) => entry.sid === mine.pid).map((entry) => entry.pgid));
    expect(groups.size).toBe(4);

    const killed = killPulumiRuns("replica-fence-a");

    expect(killed.sort()).toEqual(expect.arrayContaining([mine.pid]));
    expect(killed).toHaveLength(4);
    await until(() => sessionMembers(mine.pid!).length === 0, "nothing of the killed run is alive");
    expect(sessionMembers(other.pid!)).toHaveLength(4);
    expect(isAlive(other.pid!)).toBe(true);
    expect(isAlive(process.pid)).toBe(true);
  });

  it("finds nothing when the owner has no run", () => {
    expect(killPulumiRuns("replica-without-runs")).toEqual([]);
  });
});

describe("runProcesses", () => {
  const self = { pid: 100, pgid: 100, sid: 90 };
  it("never kills this process's own group or session: a marked process there goes alone", () => {
    const table = [
      { pid: 100, pgid: 100, sid: 90, owner: undefined },
      { pid: 101, pgid: 100, sid: 90, owner: "r1" }, // a run started without the wrapper, in our group
      { pid: 102, pgid: 100, sid: 90, owner: undefined }, // the emulator, say
      { pid: 200, pgid: 200, sid: 200, owner: "r1" }, // a wrapped CLI
      { pid: 201, pgid: 201, sid: 200, owner: undefined }, // its plugin, unmarked
      { pid: 300, pgid: 300, sid: 300, owner: "r2" }, // another replica's CLI
    ];
    expect(runProcesses(table, "r1", self)).toEqual({ pids: [101, 200, 201], groups: [200, 201] });
  });
});
