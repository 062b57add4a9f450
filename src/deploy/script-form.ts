import { extname } from "node:path";
import { File } from "node:buffer";
import { FormData } from "undici";
import type { BuiltManifest } from "../manifest/index.js";
import { isHashedFolder, isKeptAssets, type AssetConfig, type DeployAssets, type DeployRequest, type WorkerModule } from "./types.js";

/** Part types Cloudflare uses to tell module kinds apart (an ES module must be `+module`); docs/cloudflare-api.md §7.4. */
const MODULE_CONTENT_TYPES: Record<string, string> = {
  ".js": "application/javascript+module",
  ".mjs": "application/javascript+module",
  ".cjs": "application/javascript",
  ".wasm": "application/wasm",
  ".txt": "text/plain",
  ".html": "text/plain",
  ".py": "text/x-python",
  ".map": "application/source-map",
  ".bin": "application/octet-stream",
};

/** A `.json` module without a content type: Cloudflare accepts no `application/json` part, so it goes as ESM. */
export function isJsonModule(module: WorkerModule): boolean {
  return module.contentType === undefined && extname(module.name).toLowerCase() === ".json";
}

export function moduleContentType(module: WorkerModule): string {
  if (isJsonModule(module)) return "application/javascript+module";
  return module.contentType ?? MODULE_CONTENT_TYPES[extname(module.name).toLowerCase()] ?? "application/octet-stream";
}

/**
 * The bytes of a module's part. A JSON module becomes `export default <json>;` under its own name, so
 * `import data from "./data.json"` in the worker gets the same value it would from a JSON module.
 */
export function modulePartContent(module: WorkerModule): string | Uint8Array {
  if (!isJsonModule(module)) return module.content;
  const text = typeof module.content === "string" ? module.content : Buffer.from(module.content).toString("utf8");
  return `export default ${JSON.stringify(JSON.parse(text))};\n`;
}

/**
 * The wire form of the asset config. The PUT replaces the config wholesale, so it is sent in full
 * every time; explicit headers/redirects win over the `_headers`/`_redirects` files.
 */
export function assetConfigMetadata(config: AssetConfig | undefined, assets: DeployAssets): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (config?.htmlHandling) out.html_handling = config.htmlHandling;
  if (config?.notFoundHandling) out.not_found_handling = config.notFoundHandling;
  if (config?.runWorkerFirst !== undefined) out.run_worker_first = config.runWorkerFirst;
  // Kept files and a hashed folder bring no `_headers`/`_redirects` text of their own: the config must carry it (the
  // provider's does).
  const files = isKeptAssets(assets) || isHashedFolder(assets) ? undefined : assets;
  const headers = config?.headers ?? files?.headers;
  const redirects = config?.redirects ?? files?.redirects;
  if (headers !== undefined) out._headers = headers;
  if (redirects !== undefined) out._redirects = redirects;
  return out;
}

/**
 * The `metadata` part of the script PUT. An assets-only worker carries no module, binding or main_module. Uploaded
 * files are attached by the completion JWT; kept ones by `keep_assets: true` and no JWT (an explicit upload would win
 * over it, docs/cloudflare-api.md §16.1), with the asset config sent again either way, since the PUT replaces it.
 */
export function scriptMetadata(request: DeployRequest, completionJwt: string | undefined): Record<string, unknown> {
  const config = assetConfigMetadata(request.assetConfig, request.assets);
  const keep = isKeptAssets(request.assets);
  if (!keep && completionJwt === undefined) throw new TypeError("scriptMetadata: uploaded assets need their completion JWT.");
  const metadata: Record<string, unknown> = keep ? { keep_assets: true, assets: { config } } : { assets: { jwt: completionJwt, config } };
  const worker = request.worker;
  const compatibilityDate = worker?.compatibilityDate ?? request.compatibilityDate;
  const compatibilityFlags = worker?.compatibilityFlags ?? request.compatibilityFlags;
  if (compatibilityDate) metadata.compatibility_date = compatibilityDate;
  if (compatibilityFlags) metadata.compatibility_flags = compatibilityFlags;
  // Always sent: the PUT keeps the previous tags when the field is absent, so an emptied list must say so (`[]`).
  metadata.tags = request.tags ?? [];
  if (request.keepBindings && request.keepBindings.length > 0) metadata.keep_bindings = request.keepBindings;
  if (worker) {
    metadata.main_module = worker.mainModule;
    const bindings: unknown[] = [...(worker.bindings ?? [])];
    if (worker.assetsBinding) bindings.push({ type: "assets", name: worker.assetsBinding });
    metadata.bindings = bindings;
  }
  return metadata;
}

/** Builds the multipart body anew for each attempt (a sent FormData stream cannot be replayed). */
export function scriptFormFactory(request: DeployRequest, completionJwt: string | undefined): () => FormData {
  const metadata = JSON.stringify(scriptMetadata(request, completionJwt));
  const modules = request.worker?.modules ?? [];
  return () => {
    const form = new FormData();
    // Cloudflare reads `metadata` first; the part carries no filename (as wrangler sends it).
    form.append("metadata", metadata);
    for (const module of modules) {
      const content = modulePartContent(module);
      const bytes = typeof content === "string" ? content : Buffer.from(content);
      form.append(module.name, new File([bytes], module.name, { type: moduleContentType(module) }), module.name);
    }
    return form;
  };
}
