import { z } from "zod";

/** `assets.config.html_handling` (docs/cloudflare-api.md §7.4; SDK `Metadata.Assets.Config`). Cloudflare's default: auto-trailing-slash. */
export const HTML_HANDLING_VALUES = ["auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"] as const;
/** `assets.config.not_found_handling`. Cloudflare's default: none. */
export const NOT_FOUND_HANDLING_VALUES = ["none", "404-page", "single-page-application"] as const;
export type HtmlHandling = (typeof HTML_HANDLING_VALUES)[number];
export type NotFoundHandling = (typeof NOT_FOUND_HANDLING_VALUES)[number];

/** zod's default ("Invalid option") names neither the value given nor the property; this names both. */
function unknownOption(property: string, allowed: readonly string[]) {
  return (issue: { input?: unknown }): string =>
    `${property} ${JSON.stringify(issue.input) ?? String(issue.input)} is not supported; use one of ${allowed.map((v) => `"${v}"`).join(", ")}`;
}

/**
 * `run_worker_first`: `true`/`false`, or route rules starting with "/" or "!/" (negative rules win). A list needs at
 * least one positive rule — the schema says "at least one non-negative rule must be provided" (docs/cloudflare-api.md §15.3).
 */
export const runWorkerFirstSchema = z.union([
  z.boolean(),
  z
    .array(z.string().regex(/^!?\//, { error: 'runWorkerFirst rules start with "/" or "!/", e.g. "/api/*"' }))
    .refine((rules) => rules.some((rule) => !rule.startsWith("!")), {
      error: 'runWorkerFirst rules need at least one positive rule (one not starting with "!"), e.g. ["/api/*", "!/api/docs/*"]',
    }),
]);

/** How the asset worker serves the files, as the resource, tenant.json and the CLI take it (camelCase). */
export const assetConfigSchema = z
  .object({
    htmlHandling: z.enum(HTML_HANDLING_VALUES, { error: unknownOption("htmlHandling", HTML_HANDLING_VALUES) }).optional(),
    notFoundHandling: z.enum(NOT_FOUND_HANDLING_VALUES, { error: unknownOption("notFoundHandling", NOT_FOUND_HANDLING_VALUES) }).optional(),
    runWorkerFirst: runWorkerFirstSchema.optional(),
    /** `_headers` rules as text; overrides the folder's `_headers` file. */
    headers: z.string().optional(),
    /** `_redirects` rules as text; overrides the folder's `_redirects` file. */
    redirects: z.string().optional(),
  })
  .strict();
export type AssetConfigSettings = z.infer<typeof assetConfigSchema>;
