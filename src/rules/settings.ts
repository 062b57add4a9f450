/**
 * The deploy settings every entry point takes — the resource (provider check), the deploy library
 * (validateDeployRequest), a tenant's tenant.json and the CLI — as one zod shape, so a rule changes in one place.
 */
import { z } from "zod";
import { assetConfigSchema } from "./asset-config.js";
import { maxFilesSchema } from "./limits.js";
import { compatibilityDateSchema, compatibilityFlagsSchema } from "./compatibility.js";
import { accountIdSchema, namespaceNameSchema, scriptNameSchema } from "./names.js";
import { userTagsSchema } from "./tags.js";

/** Binding types whose bindings of the live version survive a deploy (`keep_bindings`). */
export const keepBindingsSchema = z.array(z.string().min(1, { error: "a binding type must not be empty" }));

export const hashSaltSchema = z.string().min(1, { error: "hashSalt must not be empty (leave it unset for wrangler-compatible hashes)" });

/** Where a script lives. */
export const targetShape = {
  accountId: accountIdSchema,
  namespace: namespaceNameSchema.optional(),
  scriptName: scriptNameSchema,
};

/** Everything about a deploy besides its files and its code. */
export const deploySettingsShape = {
  assetConfig: assetConfigSchema.optional(),
  /** For assets-only workers (with a worker, its own compatibility settings apply). */
  compatibilityDate: compatibilityDateSchema().optional(),
  compatibilityFlags: compatibilityFlagsSchema.optional(),
  tags: userTagsSchema.optional(),
  keepBindings: keepBindingsSchema.optional(),
  hashSalt: hashSaltSchema.optional(),
  maxFiles: maxFilesSchema.optional(),
};

/** Rules across fields: what only makes sense with worker code. */
export function checkNeedsWorker(settings: { assetConfig?: { runWorkerFirst?: boolean | string[] } }, hasWorker: boolean, ctx: z.RefinementCtx): void {
  const rwf = settings.assetConfig?.runWorkerFirst;
  if (!hasWorker && rwf !== undefined && rwf !== false) {
    ctx.addIssue({
      code: "custom",
      path: ["assetConfig", "runWorkerFirst"],
      message: "runWorkerFirst needs a worker module (an assets-only worker has no code to run first); add worker.mainModule or remove it",
    });
  }
}
