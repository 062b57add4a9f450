/**
 * Fencing: every Pulumi CLI run of this replica can be killed as a whole, so that nothing of a replica that lost
 * its lease (replica.ts) touches Cloudflare or a stack after another replica took its jobs over.
 *
 * The Automation API spawns the CLI itself (execa, in the service's own process group: no option for another),
 * so the CLI it runs is a wrapper (pulumi-cli.ts) that execs the real one under `setsid`: each run is a session
 * of its own, never the service's process group. The engine starts every plugin in a process group of its own
 * (Pulumi's `cmdutil.RegisterProcessGroup`), but inside that session, and a session survives re-parenting when
 * the CLI dies first. Every run also carries RUN_OWNER_VARIABLE in its environment, which its plugins inherit,
 * so `killPulumiRuns` finds this replica's runs — and nothing else on the machine, not another replica's.
 *
 * Linux only (/proc); elsewhere `killPulumiRuns` finds nothing and the service says so at start.
 */
import { readdirSync, readFileSync } from "node:fs";

/** In the environment of every Pulumi CLI run and of every plugin it starts: the replica that owns it. */
export const RUN_OWNER_VARIABLE = "WFP_PLATFORM_RUN_OWNER";

export interface ProcessEntry {
  pid: number;
  pgid: number;
  sid: number;
  /** The RUN_OWNER_VARIABLE in its environment, if it has one we may read. */
  owner: string | undefined;
}

/** Whether this platform can list processes and their sessions (the fence needs /proc). */
export function canFence(): boolean {
  return process.platform === "linux";
}

/**
 * What to kill (pure): every process of `owner`, and every process in the sessions they are in, except this
 * process's own session (a run started without the wrapper would be there: only its marked processes go), and
 * the process groups to kill whole, never this process's own.
 */
export function runProcesses(table: readonly ProcessEntry[], owner: string, self: { pid: number; pgid: number; sid: number }): { pids: number[]; groups: number[] } {
  const marked = table.filter((entry) => entry.owner === owner && entry.pid !== self.pid);
  const sessions = new Set(marked.map((entry) => entry.sid).filter((sid) => sid !== self.sid));
  const targets = table.filter((entry) => entry.pid !== self.pid && (entry.owner === owner || sessions.has(entry.sid)));
  const groups = new Set(targets.filter((entry) => sessions.has(entry.sid) && entry.pgid !== self.pgid).map((entry) => entry.pgid));
  return { pids: targets.map((entry) => entry.pid), groups: [...groups] };
}

/** `/proc/<pid>/stat` after the command name: state, ppid, pgrp, session, … */
function statFields(pid: string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined; // gone meanwhile
  }
}

function ownerOf(pid: string): string | undefined {
  try {
    const prefix = `${RUN_OWNER_VARIABLE}=`;
    return readFileSync(`/proc/${pid}/environ`, "latin1")
      .split("\0")
      .find((entry) => entry.startsWith(prefix))
      ?.slice(prefix.length);
  } catch {
    return undefined; // another user's process, or gone
  }
}

/** The live processes (zombies are already dead) with their group, session and owner. */
export function readProcessTable(): ProcessEntry[] {
  const table: ProcessEntry[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const fields = statFields(pid);
    if (!fields || fields[0] === "Z" || fields[0] === "X") continue;
    table.push({ pid: Number(pid), pgid: Number(fields[2]), sid: Number(fields[3]), owner: ownerOf(pid) });
  }
  return table;
}

function selfEntry(): { pid: number; pgid: number; sid: number } {
  const fields = statFields(String(process.pid)) ?? [];
  return { pid: process.pid, pgid: Number(fields[2]), sid: Number(fields[3]) };
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function kill(target: number): void {
  try {
    process.kill(target, "SIGKILL");
  } catch {
    // Gone already.
  }
}

/**
 * SIGKILLs every Pulumi run of `owner` (CLI, engine, plugins, whatever they started), group by group, and lists
 * again until none is left, so a process started between a listing and a kill goes too. Synchronous: it runs in
 * the `exit` handler, where nothing asynchronous would. Returns the pids it killed.
 */
export function killPulumiRuns(owner: string, rounds = 50): number[] {
  if (!canFence()) return [];
  const self = selfEntry();
  const killed = new Set<number>();
  for (let round = 0; round < rounds; round++) {
    const { pids, groups } = runProcesses(readProcessTable(), owner, self);
    if (pids.length === 0) break;
    for (const group of groups) kill(-group);
    for (const pid of pids) {
      kill(pid);
      killed.add(pid);
    }
    sleepSync(10);
  }
  return [...killed];
}
