import { z } from "zod";

/**
 * The `manifest` input of a UserWorkerAssets: the program sends the `/path → hash` map as one JSON text
 * (src/manifest/manifest-input.ts says why); state written by earlier versions holds it as a map. Both are accepted;
 * the text is kept as it came (check's answer becomes the input Pulumi stores and sends again), and read into a map only
 * where the entries are needed (src/provider/manifest-entries.ts).
 */
const HASH = /^[0-9a-f]{32}$/;

export type ManifestInputValue = string | Record<string, string>;

const entriesSchema = z.record(
  z.string().startsWith("/", { error: "manifest keys start with /" }),
  z.string().regex(HASH, { error: "manifest hashes are 32 hex characters" }),
);

export const manifestInputSchema = z.union([
  z.string().superRefine((text, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: `manifest is not JSON (${(error as Error).message}); it is the "/path": "hash" map the program builds` });
      return;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      ctx.addIssue({ code: "custom", message: 'manifest must be a JSON object of "/path": "hash" (expected record)' });
      return;
    }
    let reported = 0;
    for (const [key, hash] of Object.entries(parsed)) {
      const problem = !key.startsWith("/") ? `manifest keys start with / ("${key}")` : typeof hash !== "string" || !HASH.test(hash) ? `manifest hashes are 32 hex characters ("${key}")` : undefined;
      if (problem === undefined) continue;
      ctx.addIssue({ code: "custom", message: problem });
      if (++reported === 5) return;
    }
  }),
  entriesSchema,
]);
