import { createHash } from "node:crypto";
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

  constructor(tokens: TokenGrant[], legacyKeys: LegacyKeyGrant[]) {
    for (const t of tokens) this.tokens.set(digest(t.token), t.accounts ? new Set(t.accounts) : undefined);
    for (const k of legacyKeys) this.legacyKeys.set(digest(`${k.email.toLowerCase()}\n${k.key}`), k.accounts ? new Set(k.accounts) : undefined);
  }

  /** Throws the authentication error envelope unless the request carries a credential valid for `account`. */
  authorize(headers: IncomingHttpHeaders, account: string | undefined): void {
    const bearer = bearerToken(headers);
    let accounts: Set<string> | undefined;
    let known: boolean;
    if (bearer !== undefined) {
      const key = digest(bearer);
      known = this.tokens.has(key);
      accounts = this.tokens.get(key);
    } else {
      const email = single(headers["x-auth-email"]);
      const apiKey = single(headers["x-auth-key"]);
      if (email === undefined || apiKey === undefined) throw authenticationError();
      const key = digest(`${email.toLowerCase()}\n${apiKey}`);
      known = this.legacyKeys.has(key);
      accounts = this.legacyKeys.get(key);
    }
    if (!known) throw authenticationError();
    if (account !== undefined && accounts !== undefined && !accounts.has(account)) throw authenticationError();
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
