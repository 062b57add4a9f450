import type { BuiltManifest } from "../manifest/index.js";
import type { ScriptTarget } from "../cloudflare/index.js";

import type { HtmlHandling, NotFoundHandling } from "../rules/index.js";

export type { HtmlHandling, NotFoundHandling };

/** How the asset worker serves the files (sent as `metadata.assets.config` on every PUT). */
export interface AssetConfig {
  htmlHandling?: HtmlHandling;
  notFoundHandling?: NotFoundHandling;
  /** `true`/`false`, or rules such as `["/api/*", "!/api/docs"]` (needs a worker module). */
  runWorkerFirst?: boolean | string[];
  /** Text in `_headers` syntax; overrides a root `_headers` file. */
  headers?: string;
  /** Text in `_redirects` syntax; overrides a root `_redirects` file. */
  redirects?: string;
}

export interface WorkerModule {
  /** Module name as the worker imports it, e.g. `index.js` or `lib/util.js`. */
  name: string;
  content: string | Uint8Array;
  /** Content type of the part; inferred from the name's extension when omitted. */
  contentType?: string;
}

/** A Cloudflare binding, passed through as the API expects it (`{ type, name, ... }`). */
export type WorkerBinding = { type: string; name: string } & Record<string, unknown>;

export interface WorkerSpec {
  mainModule: string;
  modules: WorkerModule[];
  compatibilityDate?: string;
  compatibilityFlags?: string[];
  bindings?: WorkerBinding[];
  /** Name of the assets binding the worker uses (`env.ASSETS`); omitted = no binding. */
  assetsBinding?: string;
}

/**
 * In place of a manifest: keep the files of the script's live version (Cloudflare's `keep_assets`, docs/cloudflare-api.md §7.4, §16.1),
 * for an update that changes only worker code, bindings, settings or the asset config. The deploy then opens no
 * upload session and reads no file: it is one script PUT, which re-sends the asset config (the PUT replaces it).
 * Only right when the live version's files are the ones wanted — the caller knows that (the provider compares the
 * manifest with the one it last deployed, src/provider/plan.ts `decideAssets`); Cloudflare cannot say (it exposes no
 * asset list).
 */
export interface KeptAssets {
  keep: true;
  /** The kept version's file count and bytes, as the caller recorded them (reported in the result). */
  fileCount: number;
  totalBytes: number;
}

export function isKeptAssets(assets: DeployAssets): assets is KeptAssets {
  return "keep" in assets && assets.keep === true;
}

/**
 * A folder whose files were already listed and hashed elsewhere (a Pulumi program: the provider's `manifest` input):
 * the deploy stats each listed file where it runs and takes the hashes as given; each file is hashed again as its
 * bucket is sent, so a file changed since fails the deploy rather than going up under a stale hash.
 */
export interface HashedFolder {
  /** The folder, resolved against `base` (default: the process's working folder). */
  directory: string;
  base?: string;
  /** `/path → hash`, as a map or as its JSON text. */
  hashes: string | Record<string, string>;
}

export function isHashedFolder(assets: DeployAssets): assets is HashedFolder {
  return "hashes" in assets && !("files" in assets);
}

export type DeployAssets = BuiltManifest | KeptAssets | HashedFolder;

export interface DeployRequest {
  target: ScriptTarget;
  /**
   * The folder's files to upload (what Cloudflare lacks of them): built by `buildManifest`, or listed and hashed
   * elsewhere (`HashedFolder`); or the live version's files kept (`KeptAssets`).
   */
  assets: DeployAssets;
  worker?: WorkerSpec;
  assetConfig?: AssetConfig;
  /** For assets-only workers (no module), the compatibility settings still apply to the asset worker. */
  compatibilityDate?: string;
  compatibilityFlags?: string[];
  /** The script's complete tag list (the PUT replaces tags wholesale; `[]` clears them). */
  tags?: string[];
  hashSalt?: string;
  /**
   * Binding types whose bindings of the live version survive this deploy (Cloudflare's `keep_bindings`), for bindings
   * the platform manages elsewhere, e.g. `["secret_text"]`.
   */
  keepBindings?: string[];
}

export interface LiveScript {
  id: string;
  etag: string;
  createdOn: string;
  modifiedOn: string;
  hasAssets: boolean;
  hasModules: boolean;
  tags: string[];
}

export interface DeployResult {
  script: LiveScript;
  fileCount: number;
  totalBytes: number;
  uploadedFiles: number;
  uploadedBytes: number;
  /** Manifest files the server already held (not uploaded); every file when they were kept. */
  cachedFiles: number;
  /** The live version's files were kept (`keep_assets`): no upload session, one script PUT. */
  keptAssets: boolean;
  buckets: number;
  sessions: number;
  retries: number;
  durationMs: number;
}
