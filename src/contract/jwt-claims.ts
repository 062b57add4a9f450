/**
 * Reading the claims of a session JWT the way wrangler does (its middle segment is base64url JSON; nothing is
 * verified — the signature is the server's business). The suite checks the lifetime Cloudflare documents for upload
 * and completion JWTs: one hour.
 */
import { z } from "zod";

/** Cloudflare: upload and completion JWTs live one hour. */
export const JWT_LIFETIME_SECONDS = 3600;

const claimsSchema = z.looseObject({ exp: z.number() });

/** The problems of `jwt` as a session JWT whose lifetime is measured from `serverNow` (seconds); [] if none. */
export function jwtProblems(jwt: unknown, serverNowSeconds: number, what: string): string[] {
  if (typeof jwt !== "string" || jwt.length === 0) return [`${what} is missing`];
  const segments = jwt.split(".");
  if (segments.length !== 3 || segments.some((s) => !/^[A-Za-z0-9_-]+$/.test(s))) return [`${what} is not a three-part JWT`];
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(segments[1]!, "base64url").toString("utf8"));
  } catch {
    return [`${what}'s payload is not base64url JSON`];
  }
  const parsed = claimsSchema.safeParse(claims);
  if (!parsed.success) return [`${what} has no numeric "exp" claim`];
  const lifetime = parsed.data.exp - serverNowSeconds;
  // A minute of slack either way: the server's Date header has whole seconds and the JWT may be minted a bit earlier.
  if (lifetime <= 0) return [`${what} has already expired (exp ${parsed.data.exp}, server time ${serverNowSeconds})`];
  if (lifetime > JWT_LIFETIME_SECONDS + 60) return [`${what} lives ${lifetime} s, more than the documented ${JWT_LIFETIME_SECONDS} s`];
  return [];
}
