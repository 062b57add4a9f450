import { isAbsolute } from "node:path";
import { z } from "zod";
import { manifestInputSchema } from "./manifest-entries.js";
import { checkNeedsWorker, checkWorkerSettings, deploySettingsShape, moduleContentTypeSchema, targetShape, workerSettingsShape } from "../rules/index.js";

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
    mainModule: z.string().min(1),
    modules: z.array(workerModuleInputSchema).min(1, { error: "a worker needs at least its main module" }),
    ...workerSettingsShape,
  })
  .strict()
  .superRefine((w, ctx) => {
    checkWorkerSettings(w, ctx);
    if (!w.modules.some((m) => m.name === w.mainModule)) {
      ctx.addIssue({ code: "custom", path: ["mainModule"], message: "worker.mainModule must name one of worker.modules" });
    }
  });

/** The resource's inputs as the provider receives them (built by UserWorkerAssets on the program side). */
export const providerInputsSchema = z
  .object({
    ...targetShape,
    ...deploySettingsShape,
    /** The asset folder, relative to the project folder, so state does not depend on where the project lives. */
    directory: z.string().min(1),
    /**
     * `/path` → content hash, per file, so `pulumi preview --diff` can name every changed path: JSON text from the
     * program, a map in state written by earlier versions (manifest-entries.ts).
     */
    manifest: manifestInputSchema,
    worker: workerInputSchema.optional(),
    /** `<project>/<stack>` of the program: the owner marker's value (src/deploy/ownership.ts). */
    owner: z.string().min(1).max(200).optional(),
    /** Take over an existing script that is not this stack's at create. */
    adopt: z.boolean().optional(),
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

export type ProviderInputs = z.infer<typeof providerInputsSchema>;
export type WorkerModuleInput = z.infer<typeof workerModuleInputSchema>;
export type WorkerInput = z.infer<typeof workerInputSchema>;
export type AssetConfigInput = NonNullable<ProviderInputs["assetConfig"]>;

/**
 * Outputs the provider records in state. The per-file manifest is deliberately not among them (it is an input), and
 * every field costs bytes per tenant in every checkpoint of a fleet: only what read/delete/diff need, and what the
 * resource documents.
 */
export interface ProviderOutputs {
  accountId: string;
  namespace?: string;
  scriptName: string;
  /** Written by 0.1.x; no longer recorded (paths live in the inputs). */
  directory?: string;
  manifestDigest: string;
  /** Digest of every deploy-relevant input except the manifest: worker, config, tags, salt… */
  settingsDigest: string;
  fileCount: number;
  totalBytes: number;
  uploadedFiles: number;
  uploadedBytes: number;
  scriptId: string;
  /** As last observed: set by the deploy, updated by refresh. */
  etag: string;
  modifiedOn: string;
  hasAssets: boolean;
  providerVersion: string;
  /**
   * What this resource deployed, kept only once a refresh observed something else live (drift); the next deploy
   * clears them. (0.1.x and 0.2 development builds recorded them always, equal to etag/modifiedOn.)
   */
  deployedEtag?: string;
  deployedModifiedOn?: string;
  /** The owner marker this resource's last deploy set (absent in state written before the marker existed). */
  owner?: string;
}
