/**
 * Input validators for the provider's check(): catch what Cloudflare would reject before any upload.
 *
 * Name rules chosen (Cloudflare documents no single rule; this is the intersection of what is known,
 * so anything accepted here is accepted by the API):
 * - OpenAPI `workers_script_name`: pattern `^[a-z0-9_][a-z0-9-_]*$` (lowercase only).
 * - Cloudflare's older script naming conventions: at most 63 characters, must end with a letter or digit
 *   (63 is also the DNS-label limit, which matters because a name becomes `<name>.<sub>.workers.dev`).
 * - So: 1–63 of [a-z0-9_-], first character [a-z0-9_], last character [a-z0-9].
 * - Wrangler loosens name validation for dispatch-namespace deploys, but the looser rule is not
 *   documented, so namespaced scripts follow the same rule.
 * - Dispatch namespace names have no published rule; the same rule is applied.
 */
import { z } from "zod";

export const NAME_MAX_LENGTH = 63;
const NAME_PATTERN = /^(?:[a-z0-9]|[a-z0-9_][a-z0-9_-]*[a-z0-9])$/;

function nameSchema(what: string): z.ZodString {
  return z
    .string({ error: `${what} must be a string` })
    .min(1, { error: `${what} must not be empty` })
    .max(NAME_MAX_LENGTH, { error: `${what} must be at most ${NAME_MAX_LENGTH} characters` })
    .regex(NAME_PATTERN, {
      error:
        `${what} may contain only lowercase letters (a-z), digits, "-" and "_", ` +
        `must not start with "-" and must end with a letter or digit`,
    });
}

export const accountIdSchema = z
  .string({ error: "Cloudflare account id must be a string" })
  .regex(/^[0-9a-f]{32}$/, {
    error: "Cloudflare account id must be 32 lowercase hex characters (shown in the dashboard URL and by `wrangler whoami`)",
  });

export const scriptNameSchema = nameSchema("Worker script name");
export const namespaceNameSchema = nameSchema("Dispatch namespace name");

const DAY_MS = 24 * 60 * 60 * 1000;

function utcDateString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Rejects 2025-02-30 and friends: the date must survive a round trip through Date unchanged. */
function isCalendarDate(value: string): boolean {
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && utcDateString(ms) === value;
}

/**
 * YYYY-MM-DD, a real calendar date, and not later than tomorrow (UTC): a date a day ahead is tolerated
 * for time zones east of UTC, anything later is a typo Cloudflare rejects at upload.
 */
export function compatibilityDateSchema(now: () => number = Date.now) {
  return z
    .string({ error: "compatibility date must be a string" })
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: "compatibility date must have the form YYYY-MM-DD, e.g. 2025-06-01" })
    .refine((value) => isCalendarDate(value), {
      error: "compatibility date is not a real calendar date",
    })
    .refine((value) => value <= utcDateString(now() + DAY_MS), {
      error: "compatibility date must not be in the future (at most tomorrow, UTC)",
    });
}

export const validators = {
  accountId: accountIdSchema,
  scriptName: scriptNameSchema,
  namespaceName: namespaceNameSchema,
  compatibilityDate: compatibilityDateSchema(),
};
