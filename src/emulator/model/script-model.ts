import { z } from "zod";
import { ApiError, ErrorCode } from "../protocol/envelope.js";
import { type ModuleRecord, type ScriptRecord, computeEtag, computeVersionKey } from "./script-record.js";

/**
 * The script PUT semantics, as pure functions: metadata parsing and validation, how a new version is derived
 * from the previous one (asset config replaced, assets kept only on request, kept bindings merged), and the
 * etag. The shapes the routes answer with are in script-answers.ts.
 */

const bindingSchema = z.object({ type: z.string(), name: z.string().optional() }).passthrough();

const assetConfigSchema = z
  .object({
    html_handling: z.enum(["auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"]).optional(),
    not_found_handling: z.enum(["none", "404-page", "single-page-application"]).optional(),
    // "At least one non-negative rule must be provided" (SDK `Metadata.Assets.Config.run_worker_first`): a list of only
    // `!/…` rules, or an empty list, is refused; `false` says "assets first".
    run_worker_first: z
      .union([
        z.boolean(),
        z
          .array(z.string().regex(/^!?\//, "rules start with / or !/"))
          .refine((rules) => rules.some((r) => !r.startsWith("!")), "a run_worker_first rule list needs at least one positive rule (one that does not start with \"!\")"),
      ])
      .optional(),
    _headers: z.string().optional(),
    _redirects: z.string().optional(),
    serve_directly: z.boolean().optional(),
  })
  .passthrough();

export const workerMetadataSchema = z
  .object({
    main_module: z.string().min(1).optional(),
    body_part: z.string().min(1).optional(),
    bindings: z.array(bindingSchema).optional(),
    compatibility_date: z.string().optional(),
    compatibility_flags: z.array(z.string()).optional(),
    keep_bindings: z.array(z.string()).optional(),
    keep_assets: z.boolean().optional(),
    assets: z.object({ jwt: z.string().optional(), config: assetConfigSchema.optional() }).passthrough().optional(),
    tags: z.array(z.string()).max(8).optional(),
    usage_model: z.enum(["standard", "bundled", "unbound"]).optional(),
    // Echoed back by the read routes, so held to the shapes the SDK's answer types give them.
    logpush: z.boolean().optional(),
    observability: z.object({ enabled: z.boolean() }).passthrough().optional(),
    tail_consumers: z.array(z.object({ service: z.string(), environment: z.string().optional(), namespace: z.string().optional() }).strict()).optional(),
  })
  .passthrough();

export type WorkerMetadata = z.infer<typeof workerMetadataSchema>;

/** Settings stored verbatim and echoed by the settings routes (script-answers.ts). */
const ECHOED_SETTINGS = ["observability", "logpush", "placement", "limits", "tail_consumers"] as const;

function scriptError(message: string): ApiError {
  return new ApiError(400, ErrorCode.scriptValidation, message);
}

export function parseWorkerMetadata(text: string | undefined): WorkerMetadata {
  if (text === undefined) throw scriptError("could not read content for part metadata: the form has no part named \"metadata\".");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw scriptError("could not read content for part metadata: it is not valid JSON.");
  }
  const parsed = workerMetadataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw scriptError(`Invalid metadata at "${issue?.path.join(".") || "(root)"}": ${issue?.message ?? "invalid"}.`);
  }
  return parsed.data;
}

/**
 * Module part content types the API accepts (SDK `ScriptUpdateParams`, Cloudflare's multipart upload docs;
 * docs/cloudflare-api.md §7.4, §15.3). `application/json` is not among them: Cloudflare has no JSON module type, so a client must send JSON data
 * as an ES module (`export default {…}`), as `text/plain` (and parse it), or bundle it into its JavaScript as
 * wrangler does. Parameters (`; charset=utf-8`) are allowed and ignored.
 */
export const MODULE_CONTENT_TYPES: readonly string[] = [
  "application/javascript+module",
  "text/javascript+module",
  "application/javascript",
  "text/javascript",
  "application/wasm",
  "text/plain",
  "application/octet-stream",
  "text/x-python",
  "text/x-python-requirement",
  "application/source-map",
];

/** A module part as the PUT route received it: `name` is its module name (the part's filename, else its field name). */
export interface UploadedPart {
  /** The form field name. */
  field: string;
  module: ModuleRecord;
}

/**
 * Checks that hold whatever the assets turn out to be (run before the completion JWT is looked at). Modules are
 * named by their part's *filename*, which is what `main_module` refers to (docs/cloudflare-api.md §15.3);
 * `body_part` names a part by its field name (or filename). Returns the resolved entry point.
 */
export function validateScriptShape(metadata: WorkerMetadata, parts: UploadedPart[]): { mainModule?: string; bodyPart?: string } {
  const names = new Set<string>();
  for (const { module: m } of parts) {
    if (names.has(m.name)) throw scriptError(`Module "${m.name}" was uploaded twice.`);
    names.add(m.name);
    const base = m.contentType.split(";")[0]!.trim().toLowerCase();
    if (!MODULE_CONTENT_TYPES.includes(base)) {
      const hint = base === "application/json" ? ' Cloudflare has no JSON module type: send the data as an ES module ("export default {…}", application/javascript+module) or as text/plain.' : "";
      throw scriptError(`Module "${m.name}" has content type "${m.contentType || "(none)"}", which is not a module type; use one of ${MODULE_CONTENT_TYPES.join(", ")}.${hint}`);
    }
  }
  const entry: { mainModule?: string; bodyPart?: string } = {};
  if (metadata.main_module !== undefined) {
    if (!names.has(metadata.main_module)) {
      const byField = parts.find((p) => p.field === metadata.main_module);
      const hint = byField ? ` A part has that field name but its filename is "${byField.module.name}": main_module names a module by the part's filename.` : " Add a part whose filename is that name.";
      throw scriptError(`main_module "${metadata.main_module}" names no uploaded module.${hint}`);
    }
    entry.mainModule = metadata.main_module;
  }
  if (metadata.body_part !== undefined) {
    const part = parts.find((p) => p.field === metadata.body_part) ?? parts.find((p) => p.module.name === metadata.body_part);
    if (!part) throw scriptError(`body_part "${metadata.body_part}" names no uploaded part; add a part with that name.`);
    entry.bodyPart = part.module.name;
  }
  if (parts.length > 0 && metadata.main_module === undefined && metadata.body_part === undefined) {
    throw scriptError("Modules were uploaded but metadata names neither main_module nor body_part.");
  }
  const hasScript = parts.length > 0;
  if (!hasScript && (metadata.bindings ?? []).some((b) => b.type === "assets")) {
    throw scriptError("Cannot use assets with a binding in an assets-only Worker.");
  }
  const rwf = metadata.assets?.config?.run_worker_first;
  if (!hasScript && (rwf === true || Array.isArray(rwf))) {
    throw scriptError("Cannot set run_worker_first without a Worker script.");
  }
  return entry;
}

export type AssetResolution = { kind: "upload"; manifestRef: string; assetCount: number } | { kind: "none" };

export interface ScriptVersionInput {
  name: string;
  previous: ScriptRecord | undefined;
  metadata: WorkerMetadata;
  modules: ModuleRecord[];
  /** The entry point `validateScriptShape` resolved (module names, not field names). */
  entry: { mainModule?: string; bodyPart?: string };
  /** Assets from a completion JWT, if one was attached. */
  uploaded: AssetResolution;
  now: Date;
  deploymentId: string;
  /** Which kind of client uploaded this version ("wrangler" or "api"). */
  deployedFrom: string;
}

/** The script record after this PUT. Throws the 400s that depend on the previous version. */
export function buildScriptVersion(input: ScriptVersionInput): ScriptRecord {
  const { previous, metadata, modules, uploaded } = input;
  // An explicit upload wins over keep_assets; without either the new version has no assets.
  let manifestRef: string | undefined;
  let assetCount = 0;
  if (uploaded.kind === "upload") {
    manifestRef = uploaded.manifestRef;
    assetCount = uploaded.assetCount;
  } else if (metadata.keep_assets && previous?.manifestRef) {
    manifestRef = previous.manifestRef;
    assetCount = previous.assetCount;
  }
  const bindings = mergeKeptBindings(metadata.bindings ?? [], previous?.bindings ?? [], metadata.keep_bindings ?? []);
  if (manifestRef === undefined && bindings.some((b) => b.type === "assets")) {
    throw scriptError("Cannot use an assets binding without assets");
  }
  if (manifestRef === undefined && modules.length === 0) {
    throw scriptError("A Worker needs a script module or assets: the upload has neither modules nor an assets completion token (or keep_assets with existing assets).");
  }
  const settings: Record<string, unknown> = { ...(previous?.settings ?? {}) };
  for (const key of ECHOED_SETTINGS) if (metadata[key] !== undefined) settings[key] = metadata[key];

  const record: ScriptRecord = {
    name: input.name,
    etag: "",
    versionKey: "",
    createdOn: previous?.createdOn ?? input.now.toISOString(),
    modifiedOn: monotonicTimestamp(input.now, previous?.modifiedOn),
    deploymentId: input.deploymentId,
    modules,
    assetCount,
    // Replaced wholesale on every PUT, as Cloudflare does (a keep_assets PUT must re-send it).
    assetConfig: { ...(metadata.assets?.config ?? {}) },
    bindings,
    compatibilityFlags: metadata.compatibility_flags ?? [],
    // Sent tags replace the previous ones (`[]` clears them); omitted tags are kept (docs/cloudflare-api.md §7.4 "tags").
    tags: metadata.tags ?? previous?.tags ?? [],
    usageModel: metadata.usage_model ?? "standard",
    settings,
    lastDeployedFrom: input.deployedFrom,
    puts: (previous?.puts ?? 0) + 1,
  };
  if (input.entry.mainModule !== undefined) record.mainModule = input.entry.mainModule;
  if (input.entry.bodyPart !== undefined) record.bodyPart = input.entry.bodyPart;
  if (manifestRef !== undefined) record.manifestRef = manifestRef;
  if (metadata.compatibility_date !== undefined) record.compatibilityDate = metadata.compatibility_date;
  record.etag = computeEtag(record);
  record.versionKey = computeVersionKey(record);
  return record;
}

function mergeKeptBindings(next: Array<Record<string, unknown>>, previous: Array<Record<string, unknown>>, keepTypes: string[]): Array<Record<string, unknown>> {
  if (keepTypes.length === 0) return next;
  const names = new Set(next.map((b) => b.name));
  const kept = previous.filter((b) => typeof b.type === "string" && keepTypes.includes(b.type) && !names.has(b.name));
  return [...next, ...kept];
}

/** modified_on must change on every PUT, even two within one millisecond, or drift checks would miss one. */
function monotonicTimestamp(now: Date, previous: string | undefined): string {
  const prev = previous ? Date.parse(previous) : Number.NaN;
  const t = Number.isFinite(prev) && now.getTime() <= prev ? prev + 1 : now.getTime();
  return new Date(t).toISOString();
}
