/**
 * Who may call what, decided by the route that matched, never by the URL's text (the router percent-decodes
 * and normalizes; a check on the raw URL let `/%74enants/…` through). Default deny: a route that does not
 * declare `config.access` — every route added later, and the not-found handler — needs the platform token.
 *
 * - `public`: anyone (only `/healthz`);
 * - `tenant`: the platform token, or a tenant token (tenant-tokens.ts) for the tenant the route names;
 * - `platform`: the platform token only.
 *
 * Pure: `decideAccess` takes what the request presented and what the route declared.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { verifyTenantToken } from "../tenant-tokens.ts";

export type Access = "public" | "tenant" | "platform";

/** What a route declares in its fastify `config`. */
export interface RouteRules {
  access?: Access;
  /** The only routes that read a request body; every other route refuses one. */
  takesBody?: boolean;
}

export interface Credentials {
  platformToken: string;
  /** Signing key of tenant tokens (derived from the platform token). */
  tenantTokenKey: Buffer;
}

export type AccessDecision = { allowed: true; as: "anyone" | "platform" | "tenant" } | { allowed: false };

export function routeRules(config: unknown): Required<RouteRules> {
  const rules = (config ?? {}) as RouteRules;
  return { access: rules.access ?? "platform", takesBody: rules.takesBody === true };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** The token of an `Authorization: Bearer <token>` header ("" when there is none). */
export function bearerToken(header: string | undefined): string {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "")?.[1] ?? "";
}

export function decideAccess(
  access: Access,
  presented: string,
  routeTenant: unknown,
  credentials: Credentials | undefined,
  now = Date.now(),
): AccessDecision {
  if (access === "public") return { allowed: true, as: "anyone" };
  // No token configured: the service runs open (it refuses to start so on a non-loopback address: config.ts).
  if (credentials === undefined) return { allowed: true, as: "platform" };
  // Compare digests: equal length, constant time.
  if (timingSafeEqual(digest(presented), digest(credentials.platformToken))) return { allowed: true, as: "platform" };
  if (access === "tenant" && typeof routeTenant === "string") {
    const tenant = verifyTenantToken(credentials.tenantTokenKey, presented, now);
    if (tenant !== undefined && tenant === routeTenant) return { allowed: true, as: "tenant" };
  }
  return { allowed: false };
}
