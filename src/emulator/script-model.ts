import { createHash } from "node:crypto";
import { z } from "zod";
import { ApiError, ErrorCode } from "./envelope.js";
import type { ModuleRecord, ScriptRecord } from "./store/state.js";

/**
 * The script PUT semantics, as pure functions: metadata parsing and validation, how a new version is derived
 * from the previous one (asset config replaced, assets kept only on request, kept bindings merged), and the
 * API shapes the read routes answer with.
 */

const bindingSchema = z.object({ type: z.string(), name: z.string().optional() }).passthrough();

const assetConfigSchema = z
  .object({
    html_handling: z.enum(["auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"]).optional(),
    not_found_handling: z.enum(["none", "404-page", "single-page-application"]).optional(),
    run_worker_first: z.union([z.boolean(), z.array(z.string().regex(/^!?\//, "rules start with / or !/"))]).optional(),
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
    usage_model: z.string().optional(),
  })
  .passthrough();

export type WorkerMetadata = z.infer<typeof workerMetadataSchema>;

/** Settings stored verbatim and echoed by the settings route. */
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

/** Checks that hold whatever the assets turn out to be (run before the completion JWT is looked at). */
export function validateScriptShape(metadata: WorkerMetadata, modules: ModuleRecord[]): void {
  const names = new Set<string>();
  for (const m of modules) {
    if (names.has(m.name)) throw scriptError(`Module "${m.name}" was uploaded twice.`);
    names.add(m.name);
  }
  if (metadata.main_module !== undefined && !names.has(metadata.main_module)) {
    throw scriptError(`main_module "${metadata.main_module}" names no uploaded part; add a part with that name.`);
  }
  if (metadata.body_part !== undefined && !names.has(metadata.body_part)) {
    throw scriptError(`body_part "${metadata.body_part}" names no uploaded part; add a part with that name.`);
  }
  if (modules.length > 0 && metadata.main_module === undefined && metadata.body_part === undefined) {
    throw scriptError("Modules were uploaded but metadata names neither main_module nor body_part.");
  }
  const hasScript = modules.length > 0;
  if (!hasScript && (metadata.bindings ?? []).some((b) => b.type === "assets")) {
    throw scriptError("Cannot use assets with a binding in an assets-only Worker.");
  }
  const rwf = metadata.assets?.config?.run_worker_first;
  if (!hasScript && (rwf === true || (Array.isArray(rwf) && rwf.length > 0))) {
    throw scriptError("Cannot set run_worker_first without a Worker script.");
  }
}

export type AssetResolution = { kind: "upload"; manifestRef: string; assetCount: number } | { kind: "none" };

export interface ScriptVersionInput {
  name: string;
  previous: ScriptRecord | undefined;
  metadata: WorkerMetadata;
  modules: ModuleRecord[];
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
    createdOn: previous?.createdOn ?? input.now.toISOString(),
    modifiedOn: monotonicTimestamp(input.now, previous?.modifiedOn),
    deploymentId: input.deploymentId,
    modules,
    assetCount,
    // Replaced wholesale on every PUT, as Cloudflare does (a keep_assets PUT must re-send it).
    assetConfig: { ...(metadata.assets?.config ?? {}) },
    bindings,
    compatibilityFlags: metadata.compatibility_flags ?? [],
    tags: metadata.tags ?? previous?.tags ?? [],
    usageModel: metadata.usage_model ?? "standard",
    settings,
    lastDeployedFrom: input.deployedFrom,
    puts: (previous?.puts ?? 0) + 1,
  };
  if (metadata.main_module !== undefined) record.mainModule = metadata.main_module;
  if (metadata.body_part !== undefined) record.bodyPart = metadata.body_part;
  if (manifestRef !== undefined) record.manifestRef = manifestRef;
  if (metadata.compatibility_date !== undefined) record.compatibilityDate = metadata.compatibility_date;
  record.etag = computeEtag(record);
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

/** Digest of everything deployed: equal content gives an equal etag, any change a new one. */
export function computeEtag(record: ScriptRecord): string {
  const content = {
    modules: record.modules.map((m) => [m.name, m.contentType, m.object]),
    mainModule: record.mainModule ?? null,
    bodyPart: record.bodyPart ?? null,
    bindings: record.bindings,
    compatibilityDate: record.compatibilityDate ?? null,
    compatibilityFlags: record.compatibilityFlags,
    manifestRef: record.manifestRef ?? null,
    assetConfig: record.assetConfig,
  };
  return createHash("sha256").update(canonicalJson(content)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

// ---- API shapes -------------------------------------------------------------------------------------------------

/** The script object of PUT answers and GETs (SDK `Script` / `ScriptUpdateResponse`). */
export function scriptInfo(record: ScriptRecord): Record<string, unknown> {
  const hasModules = record.modules.length > 0;
  return {
    id: record.name,
    etag: record.etag,
    handlers: hasModules ? ["fetch"] : [],
    named_handlers: [],
    created_on: record.createdOn,
    modified_on: record.modifiedOn,
    usage_model: record.usageModel,
    compatibility_date: record.compatibilityDate ?? "",
    compatibility_flags: record.compatibilityFlags,
    has_assets: record.manifestRef !== undefined,
    has_modules: hasModules,
    startup_time_ms: 0,
    deployment_id: record.deploymentId,
    tags: record.tags,
    last_deployed_from: record.lastDeployedFrom ?? "api",
    logpush: record.settings.logpush ?? false,
    placement: record.settings.placement ?? {},
    tail_consumers: record.settings.tail_consumers ?? [],
    ...(record.settings.observability !== undefined ? { observability: record.settings.observability } : {}),
    ...(record.mainModule !== undefined ? { entry_point: record.mainModule } : {}),
  };
}

/** GET …/settings: bindings, compatibility and tags — never the asset config (as on Cloudflare). */
export function scriptSettings(record: ScriptRecord): Record<string, unknown> {
  return {
    bindings: record.bindings,
    compatibility_date: record.compatibilityDate ?? "",
    compatibility_flags: record.compatibilityFlags,
    tags: record.tags,
    usage_model: record.usageModel,
    logpush: record.settings.logpush ?? false,
    placement: record.settings.placement ?? {},
    tail_consumers: record.settings.tail_consumers ?? [],
    limits: record.settings.limits ?? {},
    observability: record.settings.observability ?? { enabled: false },
  };
}
