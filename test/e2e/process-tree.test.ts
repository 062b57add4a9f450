import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { descendantPids, isAlive, killProcessTree } from "./process-tree.js";

describe("killProcessTree", () => {
  it("kills a process and the children it started in process groups of their own", async () => {
    // The shell starts two sleepers, one of them in a new session (like a plugin in its own process group).
    const root = spawn("sh", ["-c", "sleep 300 & setsid sleep 301 & wait"], { detached: true, stdio: "ignore" });
    const exited = new Promise((resolve) => root.on("close", resolve));
    let children: number[] = [];
    for (let i = 0; i < 50 && children.length < 2; i++) {
      await sleep(20);
      children = descendantPids(root.pid!);
    }
    expect(children.length).toBeGreaterThanOrEqual(2);

    const killed = killProcessTree(root.pid!);
    expect(killed.map((p) => p.pid).sort()).toEqual([root.pid!, ...children].sort());
    expect(killed.map((p) => p.command).join("\n")).toMatch(/sleep 301/);
    await exited;
    await sleep(100);
    expect(killed.filter((p) => isAlive(p.pid))).toEqual([]);
  });
});
