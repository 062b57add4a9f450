import { z } from "zod";

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

/** Compatibility flags: non-empty names; Cloudflare rejects unknown ones at upload, which no client can know. */
export const compatibilityFlagsSchema = z.array(z.string().min(1, { error: "a compatibility flag must not be empty" }));
