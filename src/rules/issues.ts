import type { z } from "zod";

/** "path: message" per zod issue, the form every entry point reports bad settings in. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], root = "(settings)"): string[] {
  return issues.map((issue) => `${issue.path.map(String).join(".") || root}: ${issue.message}`);
}
