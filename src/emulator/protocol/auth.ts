import { createHash, createHmac, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { authenticationError } from "./envelope.js";

/**
 * API credentials: bearer tokens and the legacy `X-Auth-Email` + `X-Auth-Key` pair, each optionally restricted to
 * some accounts. Credentials are looked up by their sha256 digest, so no comparison leaks how much of a guessed
 * token matched. Every failure gets the same answer (403, code 10000), as Cloudflare gives no hint either.
 */

export interface TokenGrant {
  token: string;
  accounts?: string[];
}

export interface LegacyKeyGrant {
  email: string;
  key: string;
  accounts?: string[];
}

export class Authenticator {
  private readonly tokens = new Map<string, Set<string> | undefined>();
  private readonly legacyKeys = new Map<string, Set<string> | undefined>();

  /**
   * `identityKey` keys the HMAC that names a credential in rate-limit bookkeeping, stats and upload JWTs (so the
   * name reveals nothing about the credential, however weak it is).
   */
  constructor(
    tokens: TokenGrant[],
    legacyKeys: LegacyKeyGrant[],
    private readonly identityKey: Uint8Array = randomBytes(32),
  ) {
    for (const t of tokens) this.tokens.set(digest(t.token), t.accounts ? new Set(t.accounts) : undefined);
    for (const k of legacyKeys) this.legacyKeys.set(digest(`${k.email.toLowerCase()}\n${k.key}`), k.accounts ? new Set(k.accounts) : undefined);
  }

  /**
   * Throws the authentication error envelope unless the request carries a credential valid for `account`;
   * returns the credential's identity (`token-…` / `key-…`), which the rate limit counts against.
   */
  authorize(headers: IncomingHttpHeaders, account: string | undefined): string {
    const bearer = bearerToken(headers);
    let accounts: Set<string> | undefined;
    let known: boolean;
    let identity: string;
    if (bearer !== undefined) {
      const key = digest(bearer);
      known = this.tokens.has(key);
      accounts = this.tokens.get(key);
      identity = `token-${this.label(bearer)}`;
    } else {
      const email = single(headers["x-auth-email"]);
      const apiKey = single(headers["x-auth-key"]);
      if (email === undefined || apiKey === undefined) throw authenticationError();
      const key = digest(`${email.toLowerCase()}\n${apiKey}`);
      known = this.legacyKeys.has(key);
      accounts = this.legacyKeys.get(key);
      identity = `key-${this.label(`${email.toLowerCase()}\n${apiKey}`)}`;
    }
    if (!known) throw authenticationError();
    if (account !== undefined && accounts !== undefined && !accounts.has(account)) throw authenticationError();
    return identity;
  }

  private label(credential: string): string {
    return createHmac("sha256", this.identityKey).update("rate-limit identity\n").update(credential).digest("hex").slice(0, 16);
  }
}

/** The bearer credential of a request, or undefined when there is no `Authorization: Bearer …` header. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const header = single(headers.authorization);
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function digest(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
