/**
 * Reads the claims of an upload/completion JWT without verifying it: the client cannot verify
 * Cloudflare's signature and only needs `exp` (to renew a session before it lapses) and the
 * per-file-upload claims. A token that does not decode yields `{}` — the caller then behaves as
 * for a token without those claims (bulk mode, expiry learnt from a 401).
 */
export interface UploadJwtClaims {
  exp?: number;
  perFileUploads?: boolean;
  perFileConcurrency?: number;
}

export function readJwtClaims(jwt: string): UploadJwtClaims {
  const payload = jwt.split(".")[1];
  if (!payload) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return {};
  }
  if (typeof raw !== "object" || raw === null) return {};
  const claims = raw as Record<string, unknown>;
  const out: UploadJwtClaims = {};
  if (typeof claims.exp === "number" && Number.isFinite(claims.exp)) out.exp = claims.exp;
  if (claims.wrangler_single_asset_uploads === true) out.perFileUploads = true;
  const concurrency = claims.edge_kv_upload_concurrency;
  if (typeof concurrency === "number" && concurrency >= 1) out.perFileConcurrency = Math.floor(concurrency);
  return out;
}

/** True when the token is past (or within `marginSeconds` of) its `exp`. Unknown expiry = not expired. */
export function isJwtExpiring(jwt: string, nowMs: number, marginSeconds = 0): boolean {
  const { exp } = readJwtClaims(jwt);
  return exp !== undefined && exp - marginSeconds <= nowMs / 1000;
}

/**
 * How long before `exp` a session should be renewed: `preferredSeconds`, but at most half of what the token
 * had left when it was handed over. A server that grants tokens shorter than the preferred margin (the
 * emulator's `jwt=S` fault, a short-lived token on a slow link) would otherwise have every bucket refused
 * before it starts, and every renewal would bring another such token (reliability suite, JWT expiry cases).
 */
export function renewalMarginSeconds(jwt: string, nowMs: number, preferredSeconds: number): number {
  const { exp } = readJwtClaims(jwt);
  if (exp === undefined) return preferredSeconds;
  return Math.min(preferredSeconds, Math.max(0, (exp - nowMs / 1000) / 2));
}
