import { z } from "zod";

/** Cloudflare rejects larger assets; wrangler checks `size > MAX` client-side, so exactly 25 MiB is allowed. */
export const MAX_ASSET_SIZE = 25 * 1024 * 1024;
/**
 * Files per Worker version on the Workers Paid plan and for Workers for Platforms since September 2025
 * (docs/cloudflare-api.md §15.2, §16.1): the most Cloudflare accepts, and the default. A user worker in a dispatch namespace is always on a paid plan.
 */
export const MAX_FILES_LIMIT = 100_000;
/** The default `maxFiles`: Cloudflare's own limit, so the largest sites a platform hosts are never refused here first. */
export const DEFAULT_MAX_FILES = MAX_FILES_LIMIT;
/** Files per Worker version on the Workers Free plan: what an account-level script of a free account sets `maxFiles` to. */
export const FREE_PLAN_MAX_FILES = 20_000;

export const maxFilesSchema = z
  .number({ error: "maxFiles must be a number" })
  .int({ error: "maxFiles must be a whole number" })
  .min(1, { error: "maxFiles must be at least 1" })
  .max(MAX_FILES_LIMIT, {
    error: `maxFiles can be at most ${MAX_FILES_LIMIT.toLocaleString("en-US")} (Cloudflare's per-version limit on the Paid plan and for Workers for Platforms, and the default; ${FREE_PLAN_MAX_FILES.toLocaleString("en-US")} on the Free plan)`,
  });
