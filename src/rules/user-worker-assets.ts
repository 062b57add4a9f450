/**
 * The contract of `UserWorkerAssets` between the Pulumi program (src/resource) and its provider (src/provider), in
 * one place: what the program takes, what it sends the provider, and what the provider records. Each is one zod
 * schema here, which validates; its TypeScript type is a plain, documented type in ./user-worker-assets-types.ts
 * (so the package's public declarations need no zod), and the check at the end of this file fails `tsc` when the two
 * drift apart. It lives with the rules, low in the layering, so both sides import it without importing each other.
 *
 * The serialized provider (src/provider/shell.ts) imports none of this: it loads the engine by package name at run
 * time, so nothing here ends up in state.
 */
import { isAbsolute } from "node:path";
import { z } from "zod";
import { assetConfigSchema } from "./asset-config.js";
import { manifestInputSchema } from "./manifest-input.js";
import { checkNeedsWorker, deploySettingsShape, targetShape } from "./settings.js";
import type { SameType } from "./same-type.js";
import { checkMainModule, checkWorkerSettings, moduleContentTypeSchema, workerSettingsShape } from "./worker.js";
import type {
  AssetConfigArgs,
  InlineWorkerModule,
  ProviderInputs,
  ProviderOutputs,
  UserWorkerArgs,
  UserWorkerAssetsArgsValues,
  UserWorkerAssetsOutputs,
  WorkerInput,
  WorkerModuleInput,
} from "./user-worker-assets-types.js";

export type * from "./user-worker-assets-types.js";

/** The inputs the program hands to the provider exactly as the user gave them. */
export const passedThroughShape = {
  accountId: targetShape.accountId,
  namespace: targetShape.namespace,
  scriptName: targetShape.scriptName,
  hashSalt: deploySettingsShape.hashSalt,
  compatibilityDate: deploySettingsShape.compatibilityDate,
  compatibilityFlags: deploySettingsShape.compatibilityFlags,
  tags: deploySettingsShape.tags,
  adopt: z.boolean().optional(),
  keepBindings: deploySettingsShape.keepBindings,
  maxFiles: deploySettingsShape.maxFiles,
};

// ---- What the program takes (src/resource/args.ts wraps each property in pulumi.Input) ----

/** A worker module given inline instead of as a file. */
export const inlineWorkerModuleSchema = z
  .object({
    name: z.string().min(1, { error: "a module needs a name, e.g. index.js" }),
    content: z.string(),
    contentType: z.string().optional(),
  })
  .strict();

/** The worker as the program takes it: module files by path, or inline modules. */
export const userWorkerArgsSchema = z
  .object({
    mainModule: z.string(),
    modules: z.array(z.union([z.string(), inlineWorkerModuleSchema])).optional(),
    compatibilityDate: workerSettingsShape.compatibilityDate,
    compatibilityFlags: workerSettingsShape.compatibilityFlags,
    bindings: workerSettingsShape.bindings,
    assetsBinding: workerSettingsShape.assetsBinding,
  })
  .strict();

export const userWorkerAssetsArgsSchema = z
  .object({
    ...passedThroughShape,
    directory: z.string().min(1),
    worker: userWorkerArgsSchema.optional(),
    assetConfig: assetConfigSchema.optional(),
    ignore: z.array(z.string()).optional(),
  })
  .strict();

// ---- What the provider receives (built by src/resource/user-worker-assets.ts, checked by the provider's check) ----

const hex = (length: number) => new RegExp(`^[0-9a-f]{${length}}$`);

export const workerModuleInputSchema = z
  .object({
    name: z.string().min(1, { error: "a module needs a name, e.g. index.js" }),
    path: z.string().min(1).optional(),
    content: z.string().optional(),
    contentType: moduleContentTypeSchema.optional(),
    sha256: z.string().regex(hex(64), { error: "sha256 must be 64 hex characters" }),
  })
  .strict()
  .refine((m) => (m.path === undefined) !== (m.content === undefined), {
    error: "a module has either a path or content, not both and not neither",
  });

/** The worker as the program records it: module files by path + sha256 (or inline), and the shared worker settings. */
export const workerInputSchema = z
  .object({
    mainModule: z.string(),
    modules: z.array(workerModuleInputSchema).min(1, { error: "a worker needs at least its main module" }),
    ...workerSettingsShape,
  })
  .strict()
  .superRefine((w, ctx) => {
    checkWorkerSettings(w, ctx);
    checkMainModule(w, w.modules.map((m) => m.name), ctx);
  });

/** The resource's inputs as the provider receives them. */
export const providerInputsSchema = z
  .object({
    ...passedThroughShape,
    directory: z.string().min(1),
    manifest: manifestInputSchema,
    worker: workerInputSchema.optional(),
    assetConfig: assetConfigSchema.optional(),
    owner: z.string().min(1).max(200).optional(),
    workDir: z.string().refine(isAbsolute, { error: "workDir must be an absolute path" }).optional(),
    providerVersion: z.string().min(1),
  })
  .strict()
  .superRefine((inputs, ctx) => checkNeedsWorker(inputs, inputs.worker !== undefined, ctx));

// ---- What the provider records, and the resource exposes ----

/** What a `UserWorkerAssets` resolves to after `pulumi up` (each is a `pulumi.Output` on the resource). */
export const userWorkerAssetsOutputsSchema = z.object({
  accountId: z.string(),
  namespace: z.string().optional(),
  scriptName: z.string(),
  manifestDigest: z.string(),
  fileCount: z.number(),
  totalBytes: z.number(),
  uploadedFiles: z.number(),
  uploadedBytes: z.number(),
  scriptId: z.string(),
  etag: z.string(),
  modifiedOn: z.string(),
  hasAssets: z.boolean(),
});

/**
 * Everything the provider records in state: the resource's outputs plus its own bookkeeping. The per-file manifest is
 * deliberately not among them (it is an input), and every field costs bytes per tenant in every checkpoint of a fleet:
 * only what read/delete/diff need, and what the resource documents.
 */
export const providerOutputsSchema = userWorkerAssetsOutputsSchema.extend({
  directory: z.string().optional(),
  settingsDigest: z.string(),
  providerVersion: z.string(),
  deployedEtag: z.string().optional(),
  deployedModifiedOn: z.string().optional(),
  owner: z.string().optional(),
});

export type AssetConfigInput = NonNullable<ProviderInputs["assetConfig"]>;

/**
 * Compile-time only: each plain type of ./user-worker-assets-types.ts is exactly its schema's type. When `tsc` fails
 * here, a schema above and its plain type drifted apart: change the plain type (and its documentation) to match.
 */
type ExactlyTheSchema = [
  SameType<AssetConfigArgs, z.input<typeof assetConfigSchema>>,
  SameType<AssetConfigArgs, z.output<typeof assetConfigSchema>>,
  SameType<InlineWorkerModule, z.input<typeof inlineWorkerModuleSchema>>,
  SameType<UserWorkerArgs, z.input<typeof userWorkerArgsSchema>>,
  SameType<UserWorkerAssetsArgsValues, z.input<typeof userWorkerAssetsArgsSchema>>,
  SameType<WorkerModuleInput, z.output<typeof workerModuleInputSchema>>,
  SameType<WorkerInput, z.output<typeof workerInputSchema>>,
  SameType<ProviderInputs, z.output<typeof providerInputsSchema>>,
  SameType<UserWorkerAssetsOutputs, z.output<typeof userWorkerAssetsOutputsSchema>>,
  SameType<ProviderOutputs, z.output<typeof providerOutputsSchema>>,
];

/** The inputs the program passes through unchanged, by name. */
export const PASSED_THROUGH_INPUTS = Object.keys(passedThroughShape) as (keyof typeof passedThroughShape)[];
/** The outputs the provider sets that are not inputs too: the program declares them (as unknown) so the resource has them. */
export const OUTPUT_ONLY_PROPERTIES = Object.keys(userWorkerAssetsOutputsSchema.shape).filter(
  (key) => !(key in passedThroughShape),
) as Exclude<keyof UserWorkerAssetsOutputs, keyof typeof passedThroughShape>[];
