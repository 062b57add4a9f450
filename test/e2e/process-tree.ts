/**
 * Finds and kills a process with everything it started, the way a CI runner kills a cancelled job: Pulumi starts
 * its language host and provider plugins in process groups of their own, so killing pulumi's group alone would
 * leave the provider running (and still uploading) behind it.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Parent pid of every live process, from /proc/<pid>/stat (the field after the parenthesised command name). */
function parentPids(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // The process ended while we were listing.
    }
  }
  return parents;
}

/** Every descendant of `pid` (children, grandchildren, …), breadth first. */
export function descendantPids(pid: number): number[] {
  const parents = parentPids();
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const [child, parent] of parents) {
      if (parent === current && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The command line of a process, for messages. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
  } catch {
    return "(gone)";
  }
}

/**
 * SIGKILLs `rootPid` and all its descendants, returning what was killed. Every process is stopped first
 * (SIGSTOP), and the tree listed again until nothing new appears, so none can start a child between the listing
 * and the kill; command lines are read while they are stopped.
 */
export function killProcessTree(rootPid: number): Array<{ pid: number; command: string }> {
  const tree = new Map<number, string>();
  for (let round = 0; round < 10; round++) {
    const fresh = [rootPid, ...descendantPids(rootPid)].filter((pid) => !tree.has(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) {
      try {
        process.kill(pid, "SIGSTOP");
      } catch {
        // Already gone.
      }
      tree.set(pid, commandLine(pid));
    }
  }
  for (const pid of tree.keys()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  return [...tree].map(([pid, command]) => ({ pid, command }));
}
