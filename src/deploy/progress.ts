import { formatBudgetWait, type BudgetWait, type RetryEvent } from "../cloudflare/index.js";
import { formatBytes } from "../manifest/index.js";

/** What the deploy flow reports while it runs; the provider and the CLI turn these into lines. */
export type DeployEvent =
  | { type: "session"; attempt: number; newFiles: number; totalFiles: number; buckets: number; newBytes: number }
  | { type: "bucket"; index: number; buckets: number; files: number; bytes: number; uploadedFiles: number; newFiles: number }
  | { type: "retry"; retry: RetryEvent }
  | { type: "concurrency"; from: number; to: number; reason: string }
  /** The deploy's requests wait for the API budget (or a 429 block); once per wait, however many requests wait. */
  | { type: "budget-wait"; wait: BudgetWait }
  | { type: "session-renewed"; reason: string }
  /** `keptFiles`: the live version's files are kept (`keep_assets`), nothing was uploaded. */
  | { type: "script"; route: "namespace" | "account"; assetsOnly: boolean; keptFiles?: number }
  | { type: "done"; uploadedFiles: number; uploadedBytes: number; cachedFiles: number; buckets: number; retries: number; durationMs: number };

export type ProgressListener = (event: DeployEvent) => void;

const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

/** One human line per event, in the spirit of wrangler's messages but with counts and bytes. */
export function formatDeployEvent(event: DeployEvent): string {
  switch (event.type) {
    case "session":
      return event.newFiles === 0
        ? `all ${plural(event.totalFiles, "file")} already stored; nothing to upload`
        : `${event.newFiles} new of ${plural(event.totalFiles, "file")} (${formatBytes(event.newBytes)}) in ${plural(event.buckets, "bucket")}`;
    case "bucket":
      return `uploaded bucket ${event.index}/${event.buckets}: ${plural(event.files, "file")}, ${formatBytes(event.bytes)} (${event.uploadedFiles}/${event.newFiles})`;
    case "retry": {
      const r = event.retry;
      return `retry ${r.attempt}/${r.maxAttempts - 1} of ${r.method} ${r.path} after ${r.reason}; waiting ${(r.delayMs / 1000).toFixed(1)}s`;
    }
    case "concurrency":
      return `upload concurrency ${event.from} → ${event.to} (${event.reason})`;
    case "budget-wait":
      return formatBudgetWait(event.wait);
    case "session-renewed":
      return `opened a new upload session (${event.reason}); only missing files will be sent`;
    case "script":
      return event.keptFiles === undefined
        ? `attaching to the ${event.route === "namespace" ? "dispatch-namespace" : "account"} script${event.assetsOnly ? " (assets only)" : ""}`
        : `updating the ${event.route === "namespace" ? "dispatch-namespace" : "account"} script${event.assetsOnly ? " (assets only)" : ""}, keeping its ${plural(event.keptFiles, "file")} (files unchanged: keep_assets, no upload)`;
    case "done":
      return `done: uploaded ${plural(event.uploadedFiles, "file")} (${formatBytes(event.uploadedBytes)}), ${event.cachedFiles} already stored, ${plural(event.buckets, "bucket")}, ${plural(event.retries, "retry", "retries")}, ${(event.durationMs / 1000).toFixed(2)}s`;
  }
}
