/**
 * The manifest layer: directory → `{ "/path": { hash, size } }` plus what the upload needs (content types,
 * `_headers` / `_redirects` text), compatible with wrangler's hashing, ignore rules and limits.
 * Pure parts (hash, digest, compare, content type, ignore rules) are usable on their own.
 */
export { buildManifest, DEFAULT_HASH_CONCURRENCY } from "./build.js";
export { buildManifestOffThread, manifestInputOffThread } from "./build-off-thread.js";
export { toManifestInput, type ManifestInput } from "./manifest-input.js";
export { compareManifests, type ManifestChanges } from "./compare.js";
export { contentTypeFor, UNKNOWN_CONTENT_TYPE } from "./content-type.js";
export { canonicalManifest, compareKeys, manifestDigest, type HashManifest } from "./digest.js";
export { isManifestError, ManifestError, type ManifestErrorCode } from "./errors.js";
export { AssetHasher, assetExtension, HASH_CHUNK_SIZE, hashAssetBytes } from "./hash.js";
export { hashAssetFile } from "./hash-file.js";
export {
  ASSETS_IGNORE_FILE,
  createIgnoreRules,
  DEFAULT_IGNORE_PATTERNS,
  HEADERS_FILE,
  parseIgnoreFile,
  REDIRECTS_FILE,
  type IgnoreRules,
} from "./ignore-rules.js";
export { DEFAULT_MAX_FILES, formatBytes, MAX_ASSET_SIZE, MAX_FILES_LIMIT } from "./limits.js";
export { assetBase64Stream, base64Length, readAssetBase64 } from "./read-asset.js";
export type { AssetFile, BuildManifestOptions, BuiltManifest, Manifest, ManifestEntry } from "./types.js";
