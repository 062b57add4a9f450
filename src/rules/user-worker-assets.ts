/**
 * The contract of `UserWorkerAssets` between the Pulumi program (src/resource) and its provider (src/provider), in
 * one place: what the program takes, what it sends the provider, and what the provider records. Each is one zod
 * schema here and every TypeScript type is derived from it, so a field is added, documented and checked once. It lives
 * with the rules, low in the layering, so both sides import it without importing each other.
 *
 * The serialized provider (src/provider/shell.ts) imports none of this: it loads the engine by package name at run
 * time, so nothing here ends up in state.
 */
import { isAbsolute } from "node:path";
import { z } from "zod";
import { assetConfigSchema } from "./asset-config.js";
import { manifestInputSchema } from "./manifest-input.js";
import { checkNeedsWorker, deploySettingsShape, targetShape } from "./settings.js";
import { checkMainModule, checkWorkerSettings, moduleContentTypeSchema, workerSettingsShape } from "./worker.js";

/** The inputs the program hands to the provider exactly as the user gave them. */
export const passedThroughShape = {
  /** Cloudflare account id (32 hex). */
  accountId: targetShape.accountId,
  /**
   * Dispatch namespace of the user worker (Workers for Platforms). Omit to deploy an account-level worker.
   * @default undefined (account worker)
   */
  namespace: targetShape.namespace,
  /**
   * Name of the user worker (script): 1–63 of `a-z 0-9 - _`. Changing it replaces the worker (the new one is created
   * before the old one is deleted).
   * @example "tenant-acme"
   */
  scriptName: targetShape.scriptName,
  /**
   * Salt mixed into every file hash so this tenant never shares stored objects with another in
   * the same namespace (Cloudflare's advice for untrusted tenants). Changing it re-uploads all files.
   * @default undefined (wrangler-compatible hashes, shared with any identical file in the namespace)
   */
  hashSalt: deploySettingsShape.hashSalt,
  /**
   * Compatibility date for an assets-only worker (with `worker`, use `worker.compatibilityDate`).
   * @example "2025-06-01"
   */
  compatibilityDate: deploySettingsShape.compatibilityDate,
  /** Compatibility flags for an assets-only worker. @default [] */
  compatibilityFlags: deploySettingsShape.compatibilityFlags,
  /**
   * Script tags, e.g. to find a tenant's scripts. At most 7: Cloudflare allows 8 per script and this package keeps
   * one, `wfp-owner=<project>/<stack>`, as the owner marker (see README "Ownership and refactoring"). Removing a tag
   * here removes it from the script.
   * @default []
   */
  tags: deploySettingsShape.tags,
  /**
   * Take over a script that already exists and is not this stack's (deployed by another stack, wrangler or the
   * dashboard). Without it, creating this resource over such a script fails and names the script. This is the
   * substitute for `pulumi import`, which dynamic resources cannot do.
   * @default false
   */
  adopt: z.boolean().optional(),
  /**
   * Binding types of the live version that survive every deploy (Cloudflare's `keep_bindings`), for bindings the
   * platform manages outside this resource, e.g. secrets set with `wrangler secret put`.
   * @default [] (the deploy replaces all bindings)
   * @example ["secret_text"]
   */
  keepBindings: deploySettingsShape.keepBindings,
  /**
   * Most files allowed: Cloudflare's per-version limit is 100,000 on the Paid plan and for Workers for Platforms, 20,000
   * on the Free plan — an account-level script (no `namespace`) of a Free account sets 20000 (`FREE_PLAN_MAX_FILES`).
   * @default 100000
   */
  maxFiles: deploySettingsShape.maxFiles,
};

// ---- What the program takes (src/resource/args.ts wraps each property in pulumi.Input) ----

/** A worker module given inline instead of as a file. */
export const inlineWorkerModuleSchema = z
  .object({
    /** The name the worker imports it by, e.g. `index.js`. */
    name: z.string().min(1, { error: "a module needs a name, e.g. index.js" }),
    content: z.string(),
    /** Part content type; inferred from the name (`.js` → ES module, `.wasm`, `.txt`, …) when omitted. Checked by the provider. */
    contentType: z.string().optional(),
  })
  .strict();

/** The worker as the program takes it: module files by path, or inline modules. */
export const userWorkerArgsSchema = z
  .object({
    /**
     * The main module: a path to an ES module file (relative to the project folder or absolute), or
     * the `name` of one of the inline `modules`.
     * @example "workers/tenant-api/index.js"
     */
    mainModule: z.string(),
    /**
     * More modules: file paths (named relative to the main module's folder) or inline modules.
     * @default []
     */
    modules: z.array(z.union([z.string(), inlineWorkerModuleSchema])).optional(),
    /** @example "2025-06-01" */
    compatibilityDate: workerSettingsShape.compatibilityDate,
    /** @default [] */
    compatibilityFlags: workerSettingsShape.compatibilityFlags,
    /**
     * Bindings exactly as Cloudflare's script metadata takes them.
     * @example [{ type: "plain_text", name: "TENANT", text: "acme" }]
     */
    bindings: workerSettingsShape.bindings,
    /**
     * Name under which the worker reaches its assets (`env.ASSETS.fetch(request)`); omitted = no binding.
     * @example "ASSETS"
     */
    assetsBinding: workerSettingsShape.assetsBinding,
  })
  .strict();

export const userWorkerAssetsArgsSchema = z
  .object({
    ...passedThroughShape,
    /**
     * Folder of static files, relative to the project folder or absolute. Its root `.assetsignore`
     * (gitignore syntax) is honoured; root `_headers` / `_redirects` become asset config.
     * @example "sites/acme/dist"
     */
    directory: z.string().min(1),
    /**
     * Worker code that runs with the assets. Omit for an assets-only worker.
     * @default undefined (assets only)
     */
    worker: userWorkerArgsSchema.optional(),
    /**
     * How assets are served. Sent in full with every deploy (Cloudflare replaces it wholesale).
     * @default Cloudflare's defaults (auto-trailing-slash, no not-found handling)
     */
    assetConfig: assetConfigSchema.optional(),
    /**
     * More ignore patterns (gitignore syntax), on top of `.assetsignore`.
     * @default []
     * @example ["*.map", "drafts/"]
     */
    ignore: z.array(z.string()).optional(),
  })
  .strict();

// ---- What the provider receives (built by src/resource/user-worker-assets.ts, checked by the provider's check) ----

const hex = (length: number) => new RegExp(`^[0-9a-f]{${length}}$`);

export const workerModuleInputSchema = z
  .object({
    name: z.string().min(1, { error: "a module needs a name, e.g. index.js" }),
    /** Path relative to the project folder; read at deploy time and checked against sha256. */
    path: z.string().min(1).optional(),
    /** Inline module text (kept in state), used when no path is given. */
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
    /** The asset folder, relative to the project folder, so state does not depend on where the project lives. */
    directory: z.string().min(1),
    /**
     * `/path` → content hash, per file, so `pulumi preview --diff` can name every changed path: JSON text from the
     * program, a map in state written by earlier versions (src/rules/manifest-input.ts).
     */
    manifest: manifestInputSchema,
    worker: workerInputSchema.optional(),
    /** `_headers` / `_redirects` of the folder merged in (src/resource/prepare.ts). */
    assetConfig: assetConfigSchema.optional(),
    /** `<project>/<stack>` of the program: the owner marker's value (src/deploy/ownership.ts). */
    owner: z.string().min(1).max(200).optional(),
    /**
     * The program's working folder (absolute), which `directory` and module paths are relative to. The provider's own
     * working folder is the project's `main`, which an Automation API program need not run in. Not part of any digest:
     * moving the project changes nothing.
     */
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
  /** SHA-256 of the sorted `/path → hash` manifest: the same digest `wfp-assets manifest` prints for the folder. */
  manifestDigest: z.string(),
  fileCount: z.number(),
  totalBytes: z.number(),
  /** Files (distinct contents) sent by the last deploy; 0 when Cloudflare already had them all. */
  uploadedFiles: z.number(),
  uploadedBytes: z.number(),
  scriptId: z.string(),
  /** Cloudflare's hash of the script content (code, bindings, compatibility), as last observed. */
  etag: z.string(),
  /** When the script was last uploaded, as last observed (refresh updates it). */
  modifiedOn: z.string(),
  hasAssets: z.boolean(),
});

/**
 * Everything the provider records in state: the resource's outputs plus its own bookkeeping. The per-file manifest is
 * deliberately not among them (it is an input), and every field costs bytes per tenant in every checkpoint of a fleet:
 * only what read/delete/diff need, and what the resource documents.
 */
export const providerOutputsSchema = userWorkerAssetsOutputsSchema.extend({
  /** Written by 0.1.x; no longer recorded (paths live in the inputs). */
  directory: z.string().optional(),
  /** Digest of every deploy-relevant input except the manifest: worker, config, tags, salt… */
  settingsDigest: z.string(),
  providerVersion: z.string(),
  /**
   * What this resource deployed, kept only once a refresh observed something else live (drift); the next deploy
   * clears them. (0.1.x and 0.2 development builds recorded them always, equal to etag/modifiedOn.)
   */
  deployedEtag: z.string().optional(),
  deployedModifiedOn: z.string().optional(),
  /** The owner marker this resource's last deploy set (absent in state written before the marker existed). */
  owner: z.string().optional(),
});

export type InlineWorkerModule = z.input<typeof inlineWorkerModuleSchema>;
export type UserWorkerArgs = z.input<typeof userWorkerArgsSchema>;
export type AssetConfigArgs = z.input<typeof assetConfigSchema>;
/** The program's arguments as plain values (src/resource/args.ts makes each a `pulumi.Input`). */
export type UserWorkerAssetsArgsValues = z.input<typeof userWorkerAssetsArgsSchema>;
export type ProviderInputs = z.infer<typeof providerInputsSchema>;
export type WorkerModuleInput = z.infer<typeof workerModuleInputSchema>;
export type WorkerInput = z.infer<typeof workerInputSchema>;
export type AssetConfigInput = NonNullable<ProviderInputs["assetConfig"]>;
export type UserWorkerAssetsOutputs = z.infer<typeof userWorkerAssetsOutputsSchema>;
export type ProviderOutputs = z.infer<typeof providerOutputsSchema>;

/** The inputs the program passes through unchanged, by name. */
export const PASSED_THROUGH_INPUTS = Object.keys(passedThroughShape) as (keyof typeof passedThroughShape)[];
/** The outputs the provider sets that are not inputs too: the program declares them (as unknown) so the resource has them. */
export const OUTPUT_ONLY_PROPERTIES = Object.keys(userWorkerAssetsOutputsSchema.shape).filter(
  (key) => !(key in passedThroughShape),
) as Exclude<keyof UserWorkerAssetsOutputs, keyof typeof passedThroughShape>[];
