/**
 * The thread side of a pool: a thread entry calls serveJobs once with what one job does. Jobs run as they arrive
 * (several at once on one thread, as they would on the calling thread); each answers on its own port.
 */
import { parentPort, type MessagePort } from "node:worker_threads";
import { carryError, type ErrorType } from "./carried-error.js";
import { startJobSchema, toProcessSchema, toThreadSchema, type FromProcess, type FromThread } from "./protocol.js";

/** One job's port, as its handler sees it. */
export interface JobChannel {
  /** A message to the caller (the pool's `onMessage`), in order with the result. */
  post(body: unknown): void;
  /** Messages from the caller (Job.post). */
  onMessage(listener: (body: unknown) => void): void;
  /** The caller closed the job's port (it settled the job, or its pool is gone). */
  onClose(listener: () => void): void;
}

export type JobHandler = (input: unknown, channel: JobChannel) => Promise<unknown>;

/**
 * Serves the jobs the pool sends this thread — or, in a child process started by a ChildProcessRunner, the jobs that
 * come over its IPC channel; thrown errors cross as their own classes when listed in `errorTypes`.
 */
export function serveJobs(handler: JobHandler, errorTypes: readonly ErrorType[]): void {
  const port = parentPort;
  if (!port && process.send) return serveProcessJobs(handler, errorTypes);
  if (!port) throw new Error("serveJobs runs only in a worker thread started by a WorkerPool (src/worker-thread/pool.ts) or a child process started by a ChildProcessRunner (child-process.ts).");
  port.on("message", (raw: unknown) => {
    // A malformed start message is a bug of this package: let it crash the thread, whose pool fails its jobs.
    const { port: jobPort, input } = startJobSchema.parse(raw);
    void runJob(handler, errorTypes, jobPort, input);
  });
}

async function runJob(handler: JobHandler, errorTypes: readonly ErrorType[], port: MessagePort, input: unknown): Promise<void> {
  const send = (message: FromThread): void => port.postMessage(message);
  const channel: JobChannel = {
    post: (body) => send({ kind: "message", body }),
    onMessage: (listener) => port.on("message", (raw: unknown) => listener(toThreadSchema.parse(raw).body)),
    onClose: (listener) => port.once("close", listener),
  };
  await answer(handler, errorTypes, input, channel, send);
}

/**
 * A child process's jobs, named by id on its one channel. When the channel closes (the parent is gone, or ended the
 * child), each job's `onClose` runs and the process exits: nobody is left to answer.
 */
function serveProcessJobs(handler: JobHandler, errorTypes: readonly ErrorType[]): void {
  const listeners = new Map<number, Array<(body: unknown) => void>>();
  const closers = new Map<number, Array<() => void>>();
  process.on("message", (raw: unknown) => {
    // As on a thread: a malformed message is a bug of this package, and crashes the child (its jobs then fail).
    const message = toProcessSchema.parse(raw);
    if (message.kind === "message") {
      for (const listener of listeners.get(message.id) ?? []) listener(message.body);
      return;
    }
    const { id } = message;
    listeners.set(id, []);
    closers.set(id, []);
    const send = (reply: FromThread): void => void process.send?.({ ...reply, id } satisfies FromProcess);
    const channel: JobChannel = {
      post: (body) => send({ kind: "message", body }),
      onMessage: (listener) => listeners.get(id)?.push(listener),
      onClose: (listener) => closers.get(id)?.push(listener),
    };
    void answer(handler, errorTypes, message.input, channel, send).finally(() => {
      listeners.delete(id);
      closers.delete(id);
    });
  });
  process.once("disconnect", () => {
    for (const close of [...closers.values()].flat()) close();
    process.exit(0);
  });
}

async function answer(handler: JobHandler, errorTypes: readonly ErrorType[], input: unknown, channel: JobChannel, send: (message: FromThread) => void): Promise<void> {
  try {
    send({ kind: "result", value: await handler(input, channel) });
  } catch (error) {
    send({ kind: "error", error: carryError(error, errorTypes) });
  }
}
