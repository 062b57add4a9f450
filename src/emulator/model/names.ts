/**
 * Syntax checks for every identifier that arrives in a URL, a JWT or a manifest. Each one runs before the
 * identifier is used as a map key or (for account ids, hashes and namespace ids) as part of a path under the
 * data directory, so nothing a client sends can name a file outside it.
 */

/** Cloudflare account ids are 32 lowercase hex characters. */
const ACCOUNT_ID = /^[0-9a-f]{32}$/;
/** Asset hashes are opaque 32-hex keys (wrangler: truncated BLAKE3); upper case is folded to lower case. */
const ASSET_HASH = /^[0-9a-fA-F]{32}$/;
/**
 * Worker and dispatch-namespace names: Cloudflare allows letters, digits, `-` and `_`, at most 63 characters.
 * The emulator never writes names to disk (namespaces are stored under their generated id), so this is about
 * fidelity, not safety.
 */
const RESOURCE_NAME = /^[A-Za-z0-9_-]{1,63}$/;
/** Ids the emulator generates itself (namespace ids, session ids, version ids): a UUID or 32 hex. */
const GENERATED_ID = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** sha256 hex, the address of module and manifest objects. */
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}

export function isAssetHash(value: string): boolean {
  return ASSET_HASH.test(value);
}

/** The canonical (lower-case) form of a hash, or undefined when `value` is not 32 hex characters. */
export function normalizeAssetHash(value: unknown): string | undefined {
  return typeof value === "string" && ASSET_HASH.test(value) ? value.toLowerCase() : undefined;
}

export function isResourceName(value: string): boolean {
  return RESOURCE_NAME.test(value);
}

export function isGeneratedId(value: string): boolean {
  return GENERATED_ID.test(value);
}

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}
