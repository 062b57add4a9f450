/**
 * What src/host/late-rejections.ts relies on: Node prints "PromiseRejectionHandledWarning" for a rejection handled
 * after it was reported unhandled only while the process has no `rejectionHandled` listener, and
 * quietLateRejectionWarnings adds one. Run in child processes of the project's Node, with Pulumi's kind of
 * unhandled-rejection listener (which reports the error and keeps the process alive).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { NODE, REPO_ROOT } from "../fixtures/repo.mjs";

function stderrOfLateRejection(quiet: boolean): string {
  const module = path.join(REPO_ROOT, "src", "host", "late-rejections.ts");
  const script = `
    process.on("unhandledRejection", () => {});
    ${quiet ? `require(${JSON.stringify(module)}).quietLateRejectionWarnings();` : ""}
    const rejected = Promise.reject(new Error("bad input"));
    setTimeout(() => rejected.catch(() => {}), 20);
    setTimeout(() => process.stderr.write("done\\n"), 60);`;
  const run = spawnSync(NODE, ["-e", script], { encoding: "utf8" });
  expect(run.status).toBe(0);
  expect(run.stderr).toContain("done");
  return run.stderr;
}

describe("quietLateRejectionWarnings", () => {
  it("Node warns about a late-handled rejection without a listener, and not once it is added", () => {
    expect(stderrOfLateRejection(false)).toContain("PromiseRejectionHandledWarning");
    expect(stderrOfLateRejection(true)).not.toContain("PromiseRejectionHandledWarning");
  });
});
