/**
 * Work off the main thread: a pool of worker threads, or a child process for work whose memory must go back to the
 * operating system; the same from the compiled package and from the sources.
 */
export { carryError, carriedErrorSchema, errorType, reviveError, type CarriedError, type ErrorType } from "./carried-error.js";
export { ChildProcessRunner, type ChildProcessSettings } from "./child-process.js";
export { MODULE_EXTENSION, threadEntry } from "./entry.js";
export { checkPoolSettings, MIN_OLD_GENERATION_MB, WorkerPool, WorkerThreadError, type Job, type JobOptions, type PoolSettings, type ThreadStop } from "./pool.js";
export { serveJobs, type JobChannel, type JobHandler } from "./serve.js";
