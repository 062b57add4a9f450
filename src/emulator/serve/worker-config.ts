import type { WorkerOptions } from "miniflare";
import type { ScriptRecord } from "../model/script-record.js";

/**
 * Turns a deployed script version into Miniflare 5 worker options: its modules (typed by the Content-Type they
 * were uploaded with), compatibility date and flags, the bindings workerd can honour locally (assets, plain text,
 * secret text, JSON), and the asset router settings (`hasUserWorker`, `runWorkerFirst` as `true` or a rule list,
 * which Miniflare turns into `invoke_user_worker_ahead_of_assets` / `static_routing`). Pure: bytes come in.
 * Only a type is imported from miniflare, so this file loads without it.
 */

/** Used when a version names no compatibility date (Miniflare needs one; Cloudflare defaults to an old one). */
export const DEFAULT_COMPATIBILITY_DATE = "2025-06-01";

/** Assets-only Workers have no code, but Miniflare needs some; the router never calls it (`hasUserWorker: false`). */
const ASSETS_ONLY_STUB = "export default { fetch() { return new Response(null, { status: 404 }); } };";

export interface ModuleBytes {
  name: string;
  contentType: string;
  bytes: Buffer;
}

export interface SiteWorkerInput {
  workerName: string;
  record: ScriptRecord;
  modules: ModuleBytes[];
  /** The materialized assets directory; undefined when the version has no assets. */
  assetsDir: string | undefined;
  /** Host and port of the Worker's own socket (the emulator proxies to it). */
  socket: { host: string; port: number };
}

type ModuleType = "esm" | "cjs" | "text" | "json" | "wasm" | "data" | "python" | "python-requirement" | "sourcemap";

const MODULE_TYPES: Record<string, ModuleType> = {
  "application/javascript+module": "esm",
  "text/javascript+module": "esm",
  "application/javascript": "cjs",
  "text/javascript": "cjs",
  "text/plain": "text",
  "application/wasm": "wasm",
  "application/octet-stream": "data",
  "text/x-python": "python",
  "text/x-python-requirement": "python-requirement",
  "application/source-map": "sourcemap",
};
const BINARY_TYPES = new Set<ModuleType>(["wasm", "data"]);

type EnvBinding = { type: "text"; value: string } | { type: "json"; value: unknown } | { type: "assets" };

export interface SiteWorkerConfig {
  options: WorkerOptions;
  /** Things left out (unsupported bindings, unknown module types), for the log. */
  warnings: string[];
}

export function buildWorkerConfig(input: SiteWorkerInput): SiteWorkerConfig {
  const { record, workerName } = input;
  const warnings: string[] = [];
  const hasCode = record.modules.length > 0;
  const env = hasCode ? envBindings(record.bindings, warnings) : {};
  const config: Record<string, unknown> = {
    name: workerName,
    compatibilityDate: record.compatibilityDate || DEFAULT_COMPATIBILITY_DATE,
    compatibilityFlags: record.compatibilityFlags,
    env,
  };
  let legacy: Record<string, unknown> | undefined;
  if (!hasCode) {
    config.manifest = { mainModule: "assets-only-stub.mjs", modules: { "assets-only-stub.mjs": { type: "esm", contents: ASSETS_ONLY_STUB } } };
  } else if (record.mainModule !== undefined) {
    config.manifest = { mainModule: record.mainModule, modules: moduleManifest(input.modules, warnings) };
  } else {
    // Service-worker syntax: one script; its other parts would be global bindings, which are not emulated.
    const main = input.modules.find((m) => m.name === record.bodyPart);
    legacy = { serviceWorkerScript: main?.bytes.toString("utf8") ?? "" };
    for (const m of input.modules) if (m !== main) warnings.push(`part "${m.name}" of a service-worker script is not bound locally`);
  }
  if (input.assetsDir !== undefined) {
    const assets: Record<string, unknown> = { directory: input.assetsDir, hasUserWorker: hasCode };
    const { html_handling, not_found_handling, run_worker_first } = record.assetConfig;
    if (typeof html_handling === "string") assets.htmlHandling = html_handling;
    if (typeof not_found_handling === "string") assets.notFoundHandling = not_found_handling;
    const runWorkerFirst = runWorkerFirstOption(run_worker_first);
    if (hasCode && runWorkerFirst !== undefined) assets.runWorkerFirst = runWorkerFirst;
    config.assets = assets;
  }
  const options = {
    config,
    ...(legacy ? { legacy } : {}),
    dev: { unsafeDirectSockets: [{ host: input.socket.host, port: input.socket.port }] },
  } as unknown as WorkerOptions; // built from validated state; Miniflare validates it again with its own schema
  return { options, warnings };
}

/** `true` or a non-empty rule list; `false` and `[]` mean "assets first", Miniflare's default (it rejects `[]`). */
export function runWorkerFirstOption(value: unknown): boolean | string[] | undefined {
  if (value === true) return true;
  if (Array.isArray(value) && value.length > 0 && value.every((r) => typeof r === "string")) return value as string[];
  return undefined;
}

export function moduleType(contentType: string): ModuleType | undefined {
  const base = contentType.split(";")[0]!.trim().toLowerCase();
  return MODULE_TYPES[base];
}

function moduleManifest(modules: ModuleBytes[], warnings: string[]): Record<string, { type: ModuleType; contents: string | Uint8Array }> {
  const out: Record<string, { type: ModuleType; contents: string | Uint8Array }> = {};
  for (const m of modules) {
    let type = moduleType(m.contentType);
    if (!type) {
      warnings.push(`module "${m.name}" has content type "${m.contentType}", which has no module type; loaded as data`);
      type = "data";
    }
    out[m.name] = { type, contents: BINARY_TYPES.has(type) ? new Uint8Array(m.bytes) : m.bytes.toString("utf8") };
  }
  return out;
}

function envBindings(bindings: Array<Record<string, unknown>>, warnings: string[]): Record<string, EnvBinding> {
  const env: Record<string, EnvBinding> = {};
  for (const b of bindings) {
    const name = typeof b.name === "string" ? b.name : undefined;
    if (!name) continue;
    switch (b.type) {
      case "assets":
        env[name] = { type: "assets" };
        break;
      case "plain_text":
      case "secret_text":
        env[name] = { type: "text", value: typeof b.text === "string" ? b.text : "" };
        break;
      case "json":
        env[name] = { type: "json", value: b.json ?? null };
        break;
      default:
        warnings.push(`binding "${name}" of type "${String(b.type)}" is not emulated locally and is left out of env`);
    }
  }
  return env;
}
