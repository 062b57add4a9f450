import type { ManifestInputValue } from "../rules/manifest-input.js";

// The input's schema is part of the resource's contract (src/rules/user-worker-assets.ts).
export { manifestInputSchema, type ManifestInputValue } from "../rules/manifest-input.js";

/** The entries of a manifest input, as a map. */
export function manifestEntries(manifest: ManifestInputValue): Record<string, string> {
  return typeof manifest === "string" ? (JSON.parse(manifest) as Record<string, string>) : manifest;
}
