/**
 * Pulumi engine events (Automation API `onEvent`) as the progress lines a tenant reads: the provider's own
 * lines ("tenants/acme: 2 new of 4 files (428 B) in 1 bucket", "… done: uploaded 2 files …"), what Pulumi
 * does with the site resource, warnings and errors, and the summary. Engine debug chatter is dropped. Pure.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";

const SITE_TYPE = /:UserWorkerAssets$/;

const PLANNED: Record<string, string> = {
  create: "creating the worker",
  update: "updating the worker",
  same: "unchanged: the files and settings are the ones already live",
  delete: "deleting the worker",
  replace: "replacing the worker",
  "create-replacement": "creating the replacement worker",
  "delete-replaced": "deleting the replaced worker",
  refresh: "reading the live worker",
  read: "reading the live worker",
};

const DONE: Record<string, string> = {
  create: "worker created",
  update: "worker updated",
  delete: "worker deleted",
  replace: "worker replaced",
  "create-replacement": "replacement created",
  "delete-replaced": "replaced worker deleted",
  refresh: "live worker read",
};

function lines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "");
}

export function describeEngineEvent(event: EngineEvent): string[] {
  const diagnostic = event.diagnosticEvent;
  if (diagnostic) {
    // The CLI also sends "debug" diagnostics (more with PULUMI_DEBUG_COMMANDS), which its type does not list.
    if ((diagnostic.severity as string) === "debug") return [];
    const prefix = diagnostic.severity === "warning" ? "warning: " : diagnostic.severity === "error" ? "error: " : "";
    return lines(diagnostic.message).map((line) => `${prefix}${line}`);
  }
  const pre = event.resourcePreEvent?.metadata;
  if (pre && SITE_TYPE.test(pre.type)) return [`site: ${PLANNED[pre.op] ?? pre.op}`];
  const outputs = event.resOutputsEvent?.metadata;
  if (outputs && SITE_TYPE.test(outputs.type)) {
    const done = DONE[outputs.op];
    return done ? [`site: ${done}`] : [];
  }
  const failed = event.resOpFailedEvent?.metadata;
  if (failed && SITE_TYPE.test(failed.type)) return [`site: ${failed.op} failed`];
  const summary = event.summaryEvent;
  if (summary) {
    const changes = Object.entries(summary.resourceChanges ?? {})
      .filter(([, count]) => (count ?? 0) > 0)
      .map(([op, count]) => `${op} ${count}`)
      .join(", ");
    return [`pulumi: done in ${summary.durationSeconds} s (resources: ${changes || "none"})`];
  }
  return [];
}
