import { z } from "zod";
import { validators } from "../cloudflare/index.js";
import { HTML_HANDLING_VALUES, MAX_USER_TAGS, NOT_FOUND_HANDLING_VALUES, OWNER_TAG_PREFIX } from "../deploy/index.js";
import { MAX_FILES_LIMIT } from "../manifest/index.js";

/** What the engine sends for a value it does not know yet (preview); any type, always this string. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

const hex = (length: number) => new RegExp(`^[0-9a-f]{${length}}$`);

export const workerModuleInputSchema = z
  .object({
    name: z.string().min(1, { error: "a module needs a name, e.g. index.js" }),
    /** Path relative to the project folder; read at deploy time and checked against sha256. */
    path: z.string().min(1).optional(),
    /** Inline module text (kept in state), used when no path is given. */
    content: z.string().optional(),
    contentType: z.string().min(1).optional(),
    sha256: z.string().regex(hex(64), { error: "sha256 must be 64 hex characters" }),
  })
  .strict()
  .refine((m) => (m.path === undefined) !== (m.content === undefined), {
    error: "a module has either a path or content, not both and not neither",
  });

export const workerInputSchema = z
  .object({
    mainModule: z.string().min(1),
    modules: z.array(workerModuleInputSchema).min(1, { error: "a worker needs at least its main module" }),
    compatibilityDate: validators.compatibilityDate.optional(),
    compatibilityFlags: z.array(z.string().min(1)).optional(),
    bindings: z
      .array(
        z
          .object({ type: z.string().min(1), name: z.string().min(1) })
          .loose()
          .refine((b) => b.type !== "assets", {
            error: "declare the assets binding with worker.assetsBinding, not as a binding of type \"assets\"",
          }),
      )
      .optional(),
    assetsBinding: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "assetsBinding must be a JavaScript identifier such as ASSETS" })
      .optional(),
  })
  .strict()
  .refine((w) => w.modules.some((m) => m.name === w.mainModule), {
    error: "worker.mainModule must name one of worker.modules",
    path: ["mainModule"],
  });

/** zod's default ("Invalid option") names neither the value given nor the property; these do both. */
function unknownOption(property: string, allowed: readonly string[]) {
  return (issue: { input?: unknown }): string =>
    `${property} ${JSON.stringify(issue.input) ?? String(issue.input)} is not supported; use one of ${allowed.map((v) => `"${v}"`).join(", ")}`;
}

export const assetConfigInputSchema = z
  .object({
    htmlHandling: z.enum(HTML_HANDLING_VALUES, { error: unknownOption("htmlHandling", HTML_HANDLING_VALUES) }).optional(),
    notFoundHandling: z.enum(NOT_FOUND_HANDLING_VALUES, { error: unknownOption("notFoundHandling", NOT_FOUND_HANDLING_VALUES) }).optional(),
    runWorkerFirst: z
      .union([z.boolean(), z.array(z.string().regex(/^!?\//, { error: 'rules start with "/" or "!/", e.g. "/api/*"' }))])
      .optional(),
    headers: z.string().optional(),
    redirects: z.string().optional(),
  })
  .strict();

/** The resource's inputs as the provider receives them (built by UserWorkerAssets on the program side). */
export const providerInputsSchema = z
  .object({
    accountId: validators.accountId,
    namespace: validators.namespaceName.optional(),
    scriptName: validators.scriptName,
    /** The asset folder, relative to the project folder, so state does not depend on where the project lives. */
    directory: z.string().min(1),
    /** `/path` → content hash: per-file, so `pulumi preview --diff` can name every changed path. */
    manifest: z.record(
      z.string().startsWith("/", { error: "manifest keys start with /" }),
      z.string().regex(hex(32), { error: "manifest hashes are 32 hex characters" }),
    ),
    hashSalt: z.string().min(1).optional(),
    worker: workerInputSchema.optional(),
    assetConfig: assetConfigInputSchema.optional(),
    compatibilityDate: validators.compatibilityDate.optional(),
    compatibilityFlags: z.array(z.string().min(1)).optional(),
    tags: z
      .array(
        z
          .string()
          .min(1)
          .refine((tag) => !tag.startsWith(OWNER_TAG_PREFIX), { error: `tags starting with "${OWNER_TAG_PREFIX}" are reserved for the owner marker this package sets` }),
      )
      .max(MAX_USER_TAGS, { error: `at most ${MAX_USER_TAGS} tags: Cloudflare allows 8 per script and this package keeps one for its owner marker` })
      .optional(),
    /** Binding types of the live version that survive a deploy (`keep_bindings`). */
    keepBindings: z.array(z.string().min(1)).optional(),
    /** `<project>/<stack>` of the program: the owner marker's value (src/deploy/ownership.ts). */
    owner: z.string().min(1).max(200).optional(),
    /** Take over an existing script that is not this stack's at create. */
    adopt: z.boolean().optional(),
    maxFiles: z.number().int().min(1).max(MAX_FILES_LIMIT).optional(),
    providerVersion: z.string().min(1),
  })
  .strict()
  .superRefine((inputs, ctx) => {
    const rwf = inputs.assetConfig?.runWorkerFirst;
    if (!inputs.worker && rwf !== undefined && rwf !== false) {
      ctx.addIssue({
        code: "custom",
        path: ["assetConfig", "runWorkerFirst"],
        message: "runWorkerFirst needs a worker module (an assets-only worker has no code to run first); add worker.mainModule or remove it",
      });
    }
  });

export type ProviderInputs = z.infer<typeof providerInputsSchema>;
export type WorkerModuleInput = z.infer<typeof workerModuleInputSchema>;
export type WorkerInput = z.infer<typeof workerInputSchema>;
export type AssetConfigInput = z.infer<typeof assetConfigInputSchema>;

/** Outputs the provider records in state; the per-file manifest is deliberately not among them. */
export interface ProviderOutputs {
  accountId: string;
  namespace?: string;
  scriptName: string;
  directory: string;
  manifestDigest: string;
  /** Digest of every deploy-relevant input except the manifest: worker, config, tags, salt… */
  settingsDigest: string;
  fileCount: number;
  totalBytes: number;
  uploadedFiles: number;
  uploadedBytes: number;
  scriptId: string;
  /** As observed (refresh updates it); differs from deployedEtag after an out-of-band redeploy. */
  etag: string;
  deployedEtag: string;
  modifiedOn: string;
  hasAssets: boolean;
  providerVersion: string;
  /** `modified_on` of this resource's own last deploy; `modifiedOn` is the one last observed (refresh updates it). */
  deployedModifiedOn?: string;
  /** The owner marker this resource's last deploy set (absent in state written before the marker existed). */
  owner?: string;
}
