/**
 * The body of a manifest thread (a WorkerPool thread of build-off-thread.ts): builds one manifest per job, answered
 * whole or as the program's `manifest` input (only one string then crosses back). The WebAssembly hasher is loaded
 * here, never on the caller's thread (hash.ts loads it lazily).
 */
import { z } from "zod";
import { serveJobs } from "../worker-thread/index.js";
import { buildManifest, buildManifestInput } from "./build.js";
import { manifestErrorType } from "./thread-errors.js";
import type { BuildManifestOptions } from "./types.js";

/** Caller → thread: one build. The options are checked by buildManifest, as on the calling thread. */
export const buildJobSchema = z.object({
  directory: z.string(),
  options: z.custom<BuildManifestOptions>((v) => typeof v === "object" && v !== null, "options must be an object"),
  form: z.enum(["built", "input"]),
});
export type BuildJob = z.infer<typeof buildJobSchema>;

serveJobs(async (input) => {
  const { directory, options, form } = buildJobSchema.parse(input);
  // Awaited here, so an error's stack names this thread's file (the caller learns where it was thrown).
  return form === "input" ? await buildManifestInput(directory, options) : await buildManifest(directory, options);
}, [manifestErrorType]);
