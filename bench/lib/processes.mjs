// Child processes as the benchmarks run them: wall time, CPU time and peak RSS of the whole process tree
// (through GNU time when it is installed), timestamped output lines, and a /proc poller that finds the peak
// RSS of particular descendants (the Pulumi dynamic provider, the program).
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const GNU_TIME = "/usr/bin/time";
const hasGnuTime = fs.existsSync(GNU_TIME);

/**
 * Runs `command` and resolves when it exits (never rejects on a non-zero exit; check `code`).
 * `onLine(text, secondsSinceStart, child)` sees every stdout/stderr line as it arrives.
 * Returns { code, signal, seconds, cpuSeconds?, userSeconds?, systemSeconds?, maxRssMiB?, stdout, stderr, output, pid }.
 * `cpuSeconds` and `maxRssMiB` cover the child and every descendant it waited for (GNU time's rusage).
 */
export function runTimed(command, args, { cwd, env, onLine, onSpawn, rusage = true } = {}) {
  // Without `rusage`, `child` is the command itself (not GNU time), so a signal sent to it reaches it.
  const rusageFile = rusage && hasGnuTime ? path.join(os.tmpdir(), `wfp-bench-rusage-${process.pid}-${Math.random().toString(36).slice(2)}`) : undefined;
  const [file, argv] = rusageFile ? [GNU_TIME, ["-o", rusageFile, "-f", "%e %U %S %M", command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    let output = "";
    const lineReader = () => {
      let partial = "";
      return (chunk) => {
        const at = (performance.now() - started) / 1000;
        partial += chunk;
        const lines = partial.split("\n");
        partial = lines.pop();
        for (const line of lines) onLine?.(line, at, child);
      };
    };
    const outLines = lineReader();
    const errLines = lineReader();
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk;
      output += chunk;
      outLines(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
      output += chunk;
      errLines(chunk);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      const result = { code, signal, seconds, stdout, stderr, output, pid: child.pid };
      if (rusageFile) {
        try {
          // GNU time prints "Command exited with non-zero status N" first when the command failed.
          const last = fs.readFileSync(rusageFile, "utf8").trim().split("\n").at(-1);
          const [, user, system, maxKiB] = last.split(" ").map(Number);
          Object.assign(result, { userSeconds: user, systemSeconds: system, cpuSeconds: Math.round((user + system) * 100) / 100, maxRssMiB: Math.round(maxKiB / 1024) });
        } catch {
          // killed before GNU time wrote its line: no rusage for this run
        } finally {
          fs.rmSync(rusageFile, { force: true });
        }
      }
      resolve(result);
    });
  });
}

/** utime + stime of a live process in seconds (Linux /proc), or undefined when it cannot be read. */
export function processCpuSeconds(pid) {
  const split = processCpuSplit(pid);
  return split === undefined ? undefined : split.user + split.system;
}

/** { user, system } CPU seconds of a live process (Linux /proc), or undefined when it cannot be read. */
export function processCpuSplit(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return { user: Number(fields[11]) / CLOCK_TICKS, system: Number(fields[12]) / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

function parentOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

function isDescendant(pid, ancestor) {
  for (let current = pid, hops = 0; current && current > 1 && hops < 64; hops++) {
    if (current === ancestor) return true;
    current = parentOf(current);
  }
  return false;
}

const RECHECK_MS = 2000;

function readPeakKiB(pid) {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Polls /proc every `intervalMs` for descendants of `rootPid()` whose command line matches a pattern, and keeps
 * each one's VmHWM (the kernel's own peak RSS, so polling never misses a spike, as long as the process is seen
 * alive once after its peak; the last poll before exit is at most `intervalMs` old). Linux only: elsewhere
 * `peaks()` stays empty. Other engineers' tests run the same programs, hence the ancestry check.
 */
export function watchPeakRss(rootPid, patterns, intervalMs = 100) {
  const peaks = Object.fromEntries(Object.keys(patterns).map((name) => [name, { processes: 0, peakMiB: 0, cpuSeconds: 0 }]));
  const cpuByPid = new Map(); // pid → [name, last CPU seconds seen]
  // pid → { name, since }. A process is briefly a copy of its parent between fork and exec, so a pid that did not
  // match is looked at again during its first seconds rather than written off at once.
  const seen = new Map();
  const poll = () => {
    const root = rootPid();
    if (!root) return;
    let entries;
    try {
      entries = fs.readdirSync("/proc");
    } catch {
      return;
    }
    for (const entry of entries) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      let known = seen.get(pid);
      if (known === undefined || (known.name === null && performance.now() - known.since < RECHECK_MS)) {
        let cmdline;
        try {
          cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
        } catch {
          continue;
        }
        let name = Object.keys(patterns).find((key) => patterns[key].test(cmdline)) ?? null;
        if (name && !isDescendant(pid, root)) name = null;
        known = { name, since: known?.since ?? performance.now() };
        seen.set(pid, known);
        if (name) peaks[name].processes++;
      }
      const name = known.name;
      if (!name) continue;
      const kib = readPeakKiB(pid);
      if (kib !== undefined) peaks[name].peakMiB = Math.max(peaks[name].peakMiB, Math.round(kib / 1024));
      const cpu = processCpuSeconds(pid);
      if (cpu !== undefined) cpuByPid.set(pid, [name, cpu]);
    }
  };
  const timer = setInterval(poll, intervalMs);
  return {
    /** Peaks, and each kind's CPU seconds as last seen (up to `intervalMs` short of the truth per process). */
    stop() {
      poll();
      clearInterval(timer);
      for (const [name, cpu] of cpuByPid.values()) peaks[name].cpuSeconds = Math.round((peaks[name].cpuSeconds + cpu) * 100) / 100;
      return peaks;
    },
  };
}
