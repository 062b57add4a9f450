/**
 * The envelopes between a pool (pool.ts) and its threads (serve.ts). The pool starts each job with a `job` message on
 * the thread's own port, handing over a MessagePort that belongs to that job alone; everything of the job then travels
 * on that port, in order: the job's own messages both ways, and last its result or error. One port per job keeps
 * concurrent jobs on one thread apart. What is inside (`input`, `body`, `value`) is the user's to check.
 */
import type { MessagePort } from "node:worker_threads";
import { z } from "zod";
import { carriedErrorSchema } from "./carried-error.js";

const isPort = (value: unknown): value is MessagePort =>
  typeof value === "object" && value !== null && typeof (value as MessagePort).postMessage === "function" && typeof (value as MessagePort).on === "function";

/** Pool → thread, on the thread's port: run one job, answering on `port`. */
export const startJobSchema = z.object({
  kind: z.literal("job"),
  port: z.custom<MessagePort>(isPort, "port must be a MessagePort"),
  input: z.unknown(),
});
export type StartJob = z.infer<typeof startJobSchema>;

/** Thread → pool, on the job's port. */
export const fromThreadSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("message"), body: z.unknown() }),
  z.object({ kind: z.literal("result"), value: z.unknown() }),
  z.object({ kind: z.literal("error"), error: carriedErrorSchema }),
]);
export type FromThread = z.infer<typeof fromThreadSchema>;

/** Pool → thread, on the job's port. */
export const toThreadSchema = z.object({ kind: z.literal("message"), body: z.unknown() });
export type ToThread = z.infer<typeof toThreadSchema>;

/**
 * The same envelopes between a ChildProcessRunner (child-process.ts) and its child, over the child's one IPC channel:
 * there are no ports to hand over, so each names its job by `id`.
 */
export const toProcessSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("job"), id: z.number().int(), input: z.unknown() }),
  z.object({ kind: z.literal("message"), id: z.number().int(), body: z.unknown() }),
]);
export type ToProcess = z.infer<typeof toProcessSchema>;

export const fromProcessSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("message"), id: z.number().int(), body: z.unknown() }),
  z.object({ kind: z.literal("result"), id: z.number().int(), value: z.unknown() }),
  z.object({ kind: z.literal("error"), id: z.number().int(), error: carriedErrorSchema }),
]);
export type FromProcess = z.infer<typeof fromProcessSchema>;
