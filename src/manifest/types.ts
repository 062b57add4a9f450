export interface ManifestEntry {
  hash: string;
  size: number;
}

/** Asset key (`/` + posix relative path) → entry; keys in plain JS string order. */
export type Manifest = Record<string, ManifestEntry>;

export interface AssetFile {
  /** `/` + posix path relative to the root, no URL encoding, case and Unicode as on disk */
  key: string;
  /** where the bytes are read from (symlinks resolved; inside `directory`) */
  absolutePath: string;
  hash: string;
  size: number;
  /** what the upload part is sent with, e.g. `text/html; charset=utf-8`, `application/null` when unknown */
  contentType: string;
  /** last extension without the dot, as hashed ("" when none) */
  extension: string;
}

export interface BuiltManifest {
  /** absolute and resolved (real path) */
  directory: string;
  manifest: Manifest;
  /** sorted by key */
  files: AssetFile[];
  /** text of the root `_headers`, if present (never an asset unless re-included by .assetsignore) */
  headers?: string;
  /** text of the root `_redirects`, if present */
  redirects?: string;
  /** relative posix paths left out: ignore rules (incl. the default `.assetsignore`, `_headers`, `_redirects`) and non-regular files; sorted */
  ignored: string[];
  fileCount: number;
  totalBytes: number;
  /** With `hashCache`: files whose hash was taken from the cache instead of being read. */
  hashCacheHits?: number;
}

export interface BuildManifestOptions {
  /** extra gitignore-syntax patterns, applied after the root .assetsignore */
  ignore?: string[];
  /** tenant-isolation salt for the hash; see hash.ts for the exact scheme */
  hashSalt?: string;
  /** 1…100,000; default 20,000 */
  maxFiles?: number;
  /** files larger than 192 KiB streamed at once (1–256); default 4 */
  concurrency?: number;
  /**
   * Remember hashes by file stat between builds (see hash-cache.ts for when a remembered hash is trusted):
   * `true` = in `$XDG_CACHE_HOME/pulumi-wfp-assets/hashes` (default `~/.cache/…`), a string = in that directory.
   * Off by default; WFP_ASSETS_HASH_CACHE=off turns it off, WFP_ASSETS_HASH_CACHE=<dir> moves it.
   */
  hashCache?: boolean | string;
}
