/**
 * What a deploy job carries between the provider's thread and a deploy thread (deploy-thread.ts ↔ deploy-worker.ts),
 * inside the envelopes of src/worker-thread/protocol.ts (one MessagePort per deploy).
 *
 * The job's input starts the deploy; the thread then sends, in order, its progress events and its budget requests
 * (budget-bridge.ts), and the caller answers the budget requests; the result (or the error, as its own class) ends
 * the job. Each side checks what it receives with these schemas. The input carries the API credentials (inside
 * `client`) and is never logged; nothing the thread sends back carries a credential or JWT: events and errors are
 * built from messages the client already redacted, and only Ratelimit headers cross for the budget.
 */
import { z } from "zod";
import type { ClientThreadOptions } from "../cloudflare/client.js";
import { budgetFactsSchema, budgetReplySchema, budgetRequestSchema, budgetWaitSchema, type BudgetFacts } from "./budget-bridge.js";
import type { DeployEvent } from "./progress.js";
import type { DeployRequest, DeployResult } from "./types.js";

/** Caller → thread: the job's input, one deploy. */
export interface DeployJobInput {
  request: DeployRequest;
  client: ClientThreadOptions;
  budget: BudgetFacts;
  /** Buckets in flight, already resolved by the caller from the deploy's options and the client's settings. */
  concurrency: number;
  maxSessions: number | undefined;
}

/**
 * The envelope only: the request is checked by deployAssets (validateDeployRequest) on arrival, and the client
 * options by the CloudflareClient constructor, exactly as for a deploy on the calling thread.
 */
export const deployJobInputSchema = z.object({
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

/** Thread → caller, during the job: a progress event, or a request to the caller's API budget. */
export const threadMessageSchema = z.union([z.object({ type: z.literal("event"), event: deployEventSchema }), budgetRequestSchema]);
export type ThreadMessage = z.infer<typeof threadMessageSchema>;

/** Caller → thread: only the budget's answers. */
export const parentMessageSchema = budgetReplySchema;
