/**
 * Names and ids Cloudflare would reject, caught before any upload — by the provider's check(), the deploy library,
 * tenant.json and the CLI alike (src/rules/index.ts).
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

