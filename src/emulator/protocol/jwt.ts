import { randomUUID } from "node:crypto";
import { SignJWT, compactVerify, errors as joseErrors, jwtVerify } from "jose";
import { z } from "zod";

/**
 * Upload and completion JWTs (HS256, signed with the data directory's key). Like Cloudflare's, their middle
 * segment is plain base64url JSON with `exp`, so clients can check expiry themselves; the claims bind each
 * token to one account, route family (namespace or account), script and upload session.
 */

export type TokenScope = { kind: "namespace"; namespace: string; namespaceId: string } | { kind: "account" };

export interface TokenClaims {
  kind: "upload" | "completion";
  account: string;
  scope: TokenScope;
  script: string;
  session: string;
  /** epoch seconds */
  expiresAt: number;
  /**
   * The identity (auth.ts: an HMAC label, not the credential) of the API credential that opened the session, so
   * the rate limit can count upload calls against it (claim `rk`).
   */
  rateKey?: string;
}

export interface PerFileUploadClaims {
  concurrency: number;
}

export type JwtProblem = "missing" | "invalid" | "expired" | "wrong-kind";

export class JwtRejectedError extends Error {
  constructor(
    readonly problem: JwtProblem,
    message: string,
  ) {
    super(message);
    this.name = "JwtRejectedError";
  }
}

const ISSUER = "wfp-assets-emulator";

const payloadSchema = z.object({
  knd: z.enum(["upload", "completion"]),
  acct: z.string(),
  scope: z.enum(["namespace", "account"]),
  ns: z.string().optional(),
  nsid: z.string().optional(),
  script: z.string(),
  sid: z.string(),
  exp: z.number(),
});

export class JwtIssuer {
  constructor(private readonly key: Uint8Array) {}

  /** Signs a token that expires at `expiresAt` (epoch seconds; see expiryIn). */
  async issue(claims: Omit<TokenClaims, "expiresAt">, expiresAt: number, perFile?: PerFileUploadClaims): Promise<{ token: string; expiresAt: number }> {
    const now = Date.now() / 1000;
    const payload: Record<string, unknown> = {
      knd: claims.kind,
      acct: claims.account,
      scope: claims.scope.kind,
      script: claims.script,
      sid: claims.session,
    };
    if (claims.scope.kind === "namespace") {
      payload.ns = claims.scope.namespace;
      payload.nsid = claims.scope.namespaceId;
    }
    if (claims.rateKey !== undefined) payload.rk = claims.rateKey;
    if (perFile) {
      // The claims wrangler reads to switch to one request per file (docs/cloudflare-api.md §6.1).
      payload.wrangler_single_asset_uploads = true;
      payload.edge_kv_upload_concurrency = perFile.concurrency;
    }
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(ISSUER)
      .setIssuedAt(Math.floor(now))
      .setExpirationTime(expiresAt)
      .setJti(randomUUID())
      .sign(this.key);
    return { token, expiresAt };
  }

  async verify(token: string | undefined, kind: TokenClaims["kind"]): Promise<TokenClaims> {
    if (!token) throw new JwtRejectedError("missing", `missing ${kind} JWT`);
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ["HS256"], issuer: ISSUER }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new JwtRejectedError("expired", `the ${kind} JWT has expired`);
      throw new JwtRejectedError("invalid", `the ${kind} JWT is not valid (not issued by this emulator, or tampered with)`);
    }
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) throw new JwtRejectedError("invalid", `the ${kind} JWT has unexpected claims`);
    const p = parsed.data;
    const article = (k: string) => (k === "upload" ? "an upload" : "a completion");
    if (p.knd !== kind) throw new JwtRejectedError("wrong-kind", `expected ${article(kind)} JWT but got ${article(p.knd)} JWT`);
    let scope: TokenScope;
    if (p.scope === "namespace") {
      if (p.ns === undefined || p.nsid === undefined) throw new JwtRejectedError("invalid", `the ${kind} JWT has unexpected claims`);
      scope = { kind: "namespace", namespace: p.ns, namespaceId: p.nsid };
    } else {
      scope = { kind: "account" };
    }
    return { kind: p.knd, account: p.acct, scope, script: p.script, session: p.sid, expiresAt: p.exp };
  }

  /**
   * The `rk` claim of a JWT this emulator signed, whether or not it has expired (an expired upload is still a call
   * that counts); undefined for a missing, forged or tampered token.
   */
  async rateKeyOf(token: string | undefined): Promise<string | undefined> {
    if (!token) return undefined;
    try {
      const { payload } = await compactVerify(token, this.key, { algorithms: ["HS256"] });
      const rk = (JSON.parse(new TextDecoder().decode(payload)) as { rk?: unknown }).rk;
      return typeof rk === "string" ? rk : undefined;
    } catch {
      return undefined;
    }
  }
}

/** `exp` for a token living `lifetimeSeconds` from now, rounded up so it never lives less than asked. */
export function expiryIn(lifetimeSeconds: number): number {
  return Math.ceil(Date.now() / 1000 + lifetimeSeconds);
}

export function describeScope(scope: TokenScope, script: string): string {
  return scope.kind === "namespace" ? `script "${script}" in dispatch namespace "${scope.namespace}"` : `account script "${script}"`;
}
