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

/**
 * The one message for a bad `maxFiles`, wherever it is given: the resource, tenant.json, `buildManifest` and the CLI's
 * `--max-files` (`property` names what the user typed).
 */
export function maxFilesMessage(given: unknown, property = "maxFiles"): string {
  const shown = typeof given === "number" ? String(given) : (JSON.stringify(given) ?? String(given));
  return (
    `${property} must be a whole number from 1 to ${MAX_FILES_LIMIT.toLocaleString("en-US")} (Cloudflare's per-version limit on the ` +
    `Paid plan and for Workers for Platforms), got ${shown}. Leave it unset for ${DEFAULT_MAX_FILES.toLocaleString("en-US")}, ` +
    `or set ${FREE_PLAN_MAX_FILES.toLocaleString("en-US")} for an account-level script on the Free plan.`
  );
}

const badMaxFiles = (issue: { input?: unknown }): string => maxFilesMessage(issue.input);

/** One check, so a value that breaks two bounds (say -1.5) is reported once. */
export const maxFilesSchema = z
  .number({ error: badMaxFiles })
  .refine((value) => Number.isInteger(value) && value >= 1 && value <= MAX_FILES_LIMIT, { error: badMaxFiles });
