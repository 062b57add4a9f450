/**
 * The messages between the provider's thread and a deploy thread (deploy-thread.ts ↔ deploy-worker.ts).
 *
 * The parent starts each deploy with a `deploy` message on the thread's own port, handing over a MessagePort that
 * belongs to that deploy alone. Everything of the deploy then travels on that port, in order: its progress events,
 * its budget requests (budget-bridge.ts), and last its result or error. One port per deploy keeps concurrent deploys
 * on one thread apart and lets the parent release exactly what a finished (or crashed) deploy held.
 *
 * Each side checks what it receives with these schemas. The start message carries the API credentials (inside
 * `client`) and is never logged; nothing the thread sends back carries a credential or JWT: events and errors are
 * built from messages the client already redacted, and only Ratelimit headers cross for the budget.
 */
import type { MessagePort } from "node:worker_threads";
import { z } from "zod";
import type { ClientThreadOptions } from "../cloudflare/client.js";
import { budgetFactsSchema, budgetReplySchema, budgetRequestSchema, budgetWaitSchema, type BudgetFacts } from "./budget-bridge.js";
import type { DeployEvent } from "./progress.js";
import { transferredErrorSchema } from "./transferred-error.js";
import type { DeployRequest, DeployResult } from "./types.js";

/** Parent → thread, on the thread's port: run one deploy, reporting on `port`. */
export interface StartDeployMessage {
  type: "deploy";
  port: MessagePort;
  request: DeployRequest;
  client: ClientThreadOptions;
  budget: BudgetFacts;
  /** Buckets in flight, already resolved by the parent from the deploy's options and the client's settings. */
  concurrency: number;
  maxSessions: number | undefined;
}

const isPort = (value: unknown): value is MessagePort =>
  typeof value === "object" && value !== null && typeof (value as MessagePort).postMessage === "function" && typeof (value as MessagePort).on === "function";

/**
 * The envelope only: the request is checked by deployAssets (validateDeployRequest) on arrival, and the client
 * options by the CloudflareClient constructor, exactly as for a deploy on the calling thread.
 */
export const startDeploySchema = z.object({
  type: z.literal("deploy"),
  port: z.custom<MessagePort>(isPort, "port must be a MessagePort"),
  request: z.custom<DeployRequest>((v) => typeof v === "object" && v !== null, "request must be an object"),
  client: z.custom<ClientThreadOptions>((v) => typeof v === "object" && v !== null, "client must be an object"),
  budget: budgetFactsSchema,
  concurrency: z.number().int().positive(),
  maxSessions: z.number().int().positive().optional(),
});

const count = z.number().int().nonnegative();

const retryEventSchema = z.object({
  method: z.string(),
  path: z.string(),
  attempt: z.number(),
  maxAttempts: z.number(),
  delayMs: z.number(),
  reason: z.string(),
  status: z.number().optional(),
  kind: z.enum(["http", "network", "timeout", "malformed", "null-result", "schema"]),
  counted: z.boolean(),
});

export const deployEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("session"), attempt: count, newFiles: count, totalFiles: count, buckets: count, newBytes: count }),
  z.object({ type: z.literal("bucket"), index: count, buckets: count, files: count, bytes: count, uploadedFiles: count, newFiles: count }),
  z.object({ type: z.literal("retry"), retry: retryEventSchema }),
  z.object({ type: z.literal("concurrency"), from: count, to: count, reason: z.string() }),
  z.object({ type: z.literal("budget-wait"), wait: budgetWaitSchema }),
  z.object({ type: z.literal("session-renewed"), reason: z.string() }),
  z.object({ type: z.literal("script"), route: z.enum(["namespace", "account"]), assetsOnly: z.boolean(), keptFiles: count.optional() }),
  z.object({
    type: z.literal("done"),
    uploadedFiles: count,
    uploadedBytes: count,
    cachedFiles: count,
    buckets: count,
    retries: count,
    durationMs: z.number().nonnegative(),
  }),
]) satisfies z.ZodType<DeployEvent>;

export const deployResultSchema = z.object({
  script: z.object({
    id: z.string(),
    etag: z.string(),
    createdOn: z.string(),
    modifiedOn: z.string(),
    hasAssets: z.boolean(),
    hasModules: z.boolean(),
    tags: z.array(z.string()),
  }),
  fileCount: count,
  totalBytes: count,
  uploadedFiles: count,
  uploadedBytes: count,
  cachedFiles: count,
  keptAssets: z.boolean(),
  buckets: count,
  sessions: count,
  retries: count,
  durationMs: z.number().nonnegative(),
}) satisfies z.ZodType<DeployResult>;

/** Thread → parent, on the deploy's port. */
export const threadMessageSchema = z.union([
  z.object({ type: z.literal("event"), event: deployEventSchema }),
  z.object({ type: z.literal("result"), result: deployResultSchema }),
  z.object({ type: z.literal("error"), error: transferredErrorSchema }),
  budgetRequestSchema,
]);
export type ThreadMessage = z.infer<typeof threadMessageSchema>;

/** Parent → thread, on the deploy's port: only the budget's answers. */
export const parentMessageSchema = budgetReplySchema;
