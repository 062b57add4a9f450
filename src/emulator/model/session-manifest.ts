import { ApiError, type ApiErrorItem, ErrorCode } from "../protocol/envelope.js";
import { normalizeAssetHash } from "./names.js";

/**
 * Validates the body of an assets-upload-session request, `{manifest: {"/path": {hash, size}}}`, and returns
 * the manifest with hashes in canonical lower case. All problems (up to a cap) are reported in one 400 envelope
 * so a client sees every bad entry at once.
 */

/** One file of an asset manifest: its hash (canonical lower case) and size in bytes. */
export interface ManifestEntry {
  hash: string;
  size: number;
}

export interface ManifestLimits {
  maxFiles: number;
  /** Which limit that is, said in the refusal ("on the Free plan"); model/file-limits.ts. */
  note?: string;
  maxAssetBytes: number;
}

const MAX_REPORTED = 20;

export function validateSessionManifest(body: unknown, limits: ManifestLimits): Map<string, ManifestEntry> {
  if (!isPlainObject(body) || !isPlainObject(body.manifest)) {
    throw new ApiError(400, ErrorCode.manifestInvalid, 'The body must be JSON of the form {"manifest": {"/path": {"hash": "<32 hex>", "size": <bytes>}}}.');
  }
  const entries = Object.entries(body.manifest);
  if (entries.length > limits.maxFiles) {
    throw new ApiError(400, ErrorCode.tooManyAssets, `The manifest lists ${entries.length} assets; the limit is ${limits.maxFiles} per Worker${limits.note ? ` ${limits.note}` : ""}.`);
  }
  const errors: ApiErrorItem[] = [];
  const report = (code: number, message: string) => {
    if (errors.length < MAX_REPORTED) errors.push({ code, message });
  };
  const manifest = new Map<string, ManifestEntry>();
  const sizeOfHash = new Map<string, number>();
  for (const [key, value] of entries) {
    if (!key.startsWith("/")) {
      report(ErrorCode.manifestKey, `Manifest key "${key}" must start with "/" (e.g. "/${key}").`);
      continue;
    }
    if (!isPlainObject(value)) {
      report(ErrorCode.manifestInvalid, `Manifest entry "${key}" must be an object {hash, size}.`);
      continue;
    }
    const hash = normalizeAssetHash(value.hash);
    if (hash === undefined) {
      report(ErrorCode.manifestHash, `Manifest entry "${key}" has hash ${JSON.stringify(value.hash)}; expected 32 hex characters.`);
      continue;
    }
    const size = value.size;
    if (typeof size !== "number" || !Number.isInteger(size) || size < 0) {
      report(ErrorCode.manifestInvalid, `Manifest entry "${key}" has size ${JSON.stringify(size)}; expected a non-negative integer byte count.`);
      continue;
    }
    if (size > limits.maxAssetBytes) {
      report(ErrorCode.assetTooLarge, `Asset "${key}" is ${size} bytes; the limit is ${limits.maxAssetBytes} bytes (25 MiB) per asset.`);
      continue;
    }
    const known = sizeOfHash.get(hash);
    if (known !== undefined && known !== size) {
      report(ErrorCode.manifestHashConflict, `Hash ${hash} is listed with sizes ${known} and ${size} ("${key}"); one hash must name one content.`);
      continue;
    }
    sizeOfHash.set(hash, size);
    manifest.set(key, { hash, size });
  }
  const [first, ...more] = errors;
  if (first) throw new ApiError(400, first.code, first.message, { more });
  return manifest;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
