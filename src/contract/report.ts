/** The run as text for a terminal: one line per check, its problems and notes under it, then a summary. */
import type { CheckResult, ContractReport } from "./runner.js";

const MARK: Record<CheckResult["status"], string> = { passed: "ok  ", failed: "FAIL", skipped: "skip" };

export function formatResult(r: CheckResult): string {
  const lines = [`${MARK[r.status]} ${r.title}${r.calls > 0 ? ` [${r.calls} call${r.calls === 1 ? "" : "s"}]` : ""}`];
  for (const problem of r.problems) lines.push(`       ${r.status === "skipped" ? "" : "- "}${problem.replaceAll("\n", "\n         ")}`);
  for (const note of r.notes) lines.push(`       (${note})`);
  return lines.join("\n");
}

export function formatSummary(report: ContractReport): string {
  const count = (s: CheckResult["status"]) => report.results.filter((r) => r.status === s).length;
  const lines = [
    "",
    `${count("passed")} passed, ${count("failed")} failed, ${count("skipped")} skipped; ${report.callsUsed} of at most ${report.callBudget} API calls.`,
  ];
  if (report.recordDir) lines.push(`Recorded every exchange (tokens and JWTs redacted) in ${report.recordDir}`);
  if (count("failed") > 0) {
    lines.push(
      report.target.kind === "account"
        ? "A failed check is a difference between Cloudflare and what the emulator and this package assume: please open an issue with this output and the recording (--record DIR)."
        : "A failed check is a difference between the emulator and Cloudflare's documented behaviour.",
    );
  }
  if (report.leftover) lines.push(`WARNING: ${report.leftover}`);
  return lines.join("\n");
}

export function passed(report: ContractReport): boolean {
  return report.results.every((r) => r.status !== "failed") && report.leftover === undefined;
}
