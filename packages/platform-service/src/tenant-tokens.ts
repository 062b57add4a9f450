/**
 * Tenant-scoped tokens: a bearer token that may act on one tenant only, for a platform front end that forwards
 * a tenant's own requests (the tenant's browser uploads straight to this service, say) without handing out the
 * platform token. Stateless, so every replica checks them alike:
 *
 *   wfpt1.<tenant>.<expires, unix seconds>.<base64url HMAC-SHA256(key, "wfpt1\n<tenant>\n<expires>")>
 *
 * The key is derived from the platform token (PLATFORM_API_TOKEN), so rotating that token revokes every tenant
 * token at once; there is no per-token revocation (keep lifetimes short instead). Pure: no I/O.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const PREFIX = "wfpt1";
/** Shortest and longest lifetime a token may be issued for, in seconds. */
export const TENANT_TOKEN_TTL = { min: 60, max: 30 * 24 * 3600, default: 3600 } as const;

export interface TenantToken {
  token: string;
  tenant: string;
  expiresAt: Date;
}

/** The signing key of tenant tokens, bound to the platform token and to this purpose. */
export function tenantTokenKey(platformToken: string): Buffer {
  return createHmac("sha256", platformToken).update("wfp-platform-service tenant tokens v1").digest();
}

function signature(key: Buffer, tenant: string, expires: number): Buffer {
  return createHmac("sha256", key).update(`${PREFIX}\n${tenant}\n${expires}`).digest();
}

export function issueTenantToken(key: Buffer, tenant: string, ttlSeconds: number, now = Date.now()): TenantToken {
  const expires = Math.floor(now / 1000) + ttlSeconds;
  const token = `${PREFIX}.${tenant}.${expires}.${signature(key, tenant, expires).toString("base64url")}`;
  return { token, tenant, expiresAt: new Date(expires * 1000) };
}

/**
 * The tenant a presented token is good for, or undefined (not a tenant token, a bad signature, expired).
 * Tenant names cannot contain "." (the script-name rule), so the split is unambiguous.
 */
export function verifyTenantToken(key: Buffer, presented: string, now = Date.now()): string | undefined {
  const parts = presented.split(".");
  if (parts.length !== 4 || parts[0] !== PREFIX) return undefined;
  const [, tenant, expiresText, signed] = parts as [string, string, string, string];
  if (!/^\d{1,12}$/.test(expiresText) || tenant === "") return undefined;
  const expires = Number(expiresText);
  const expected = signature(key, tenant, expires);
  const given = Buffer.from(signed, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return expires * 1000 > now ? tenant : undefined;
}
