import { createHash } from "node:crypto";

/**
 * What the emulator holds for one script version, and the two hashes derived from it: the etag clients see and the
 * version key the site server reloads on. The PUT semantics that build a record are in script-model.ts; the store
 * (store/state.ts) persists records and derives a missing version key on load.
 */

export interface ModuleRecord {
  name: string;
  contentType: string;
  object: string;
  size: number;
}

export interface ScriptRecord {
  name: string;
  /** Hash of the code, bindings and compatibility settings only (`computeEtag` below). */
  etag: string;
  /** Hash of everything served (etag + manifest + asset config); the site server's version key. Never sent. */
  versionKey: string;
  createdOn: string;
  modifiedOn: string;
  deploymentId: string;
  mainModule?: string;
  bodyPart?: string;
  modules: ModuleRecord[];
  /** Object id of the attached asset manifest; absent when the script has no assets. */
  manifestRef?: string;
  assetCount: number;
  assetConfig: Record<string, unknown>;
  bindings: Array<Record<string, unknown>>;
  compatibilityDate?: string;
  compatibilityFlags: string[];
  tags: string[];
  usageModel: string;
  /** Settings echoed back verbatim (observability, logpush, placement, limits, tail_consumers). */
  settings: Record<string, unknown>;
  /** "wrangler" when the PUT came from wrangler (User-Agent), else "api"; wrangler's redeploy checks read it. */
  lastDeployedFrom?: string;
  puts: number;
}

/**
 * Cloudflare documents `etag` as "Hashed script content" (docs/cloudflare-api.md §15.3): it covers the code — modules (names, types,
 * contents), the entry point, bindings and compatibility date/flags — and NOT the assets, the asset config or the
 * tags. An assets-only redeploy therefore keeps the etag; `modified_on` is what changes on every upload.
 */
export function computeEtag(record: ScriptRecord): string {
  const content = {
    modules: record.modules.map((m) => [m.name, m.contentType, m.object]),
    mainModule: record.mainModule ?? null,
    bodyPart: record.bodyPart ?? null,
    bindings: record.bindings,
    compatibilityDate: record.compatibilityDate ?? null,
    compatibilityFlags: record.compatibilityFlags,
  };
  return createHash("sha256").update(canonicalJson(content)).digest("hex");
}

/**
 * The emulator's own key for "what is served": the etag plus the asset manifest and asset config. Equal content
 * gives an equal key (the site server reuses a materialized version and reloads only on a change); it is never
 * sent to clients.
 */
export function computeVersionKey(record: Pick<ScriptRecord, "etag" | "manifestRef" | "assetConfig">): string {
  const content = { etag: record.etag, manifestRef: record.manifestRef ?? null, assetConfig: record.assetConfig };
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
