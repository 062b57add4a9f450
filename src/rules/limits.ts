import { z } from "zod";

/** Cloudflare rejects larger assets; wrangler checks `size > MAX` client-side, so exactly 25 MiB is allowed. */
export const MAX_ASSET_SIZE = 25 * 1024 * 1024;
/** Files per Worker version on the Free plan (and what the direct-upload docs still state). */
export const DEFAULT_MAX_FILES = 20_000;
/** Files per Worker version on the Paid plan and for Workers for Platforms (doc §15.2): the most Cloudflare accepts. */
export const MAX_FILES_LIMIT = 100_000;

export const maxFilesSchema = z
  .number({ error: "maxFiles must be a number" })
  .int({ error: "maxFiles must be a whole number" })
  .min(1, { error: "maxFiles must be at least 1" })
  .max(MAX_FILES_LIMIT, {
    error: `maxFiles can be at most ${MAX_FILES_LIMIT.toLocaleString("en-US")} (Cloudflare's per-version limit on the Paid plan; the default is ${DEFAULT_MAX_FILES.toLocaleString("en-US")})`,
  });
