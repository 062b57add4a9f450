/**
 * The last filter before text leaves the service (an answer, an event, a log line): the configured secrets and
 * anything shaped like a JWT (the upload and completion tokens of Cloudflare's upload session) are masked.
 */

// A JWT's header and payload are base64url JSON, so both start with "eyJ" (`{"`).
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?/g;
const BEARER = /\b(Bearer)\s+[^\s"',;]+/gi;

/** Shorter values would mask ordinary words; every secret this service holds is far longer. */
const MIN_SECRET_LENGTH = 8;

export type Redactor = (text: string) => string;

export function redactor(secrets: ReadonlyArray<string | undefined>): Redactor {
  const known = secrets.filter((secret): secret is string => secret !== undefined && secret.length >= MIN_SECRET_LENGTH);
  // Longest first, so a secret that contains another is masked whole.
  known.sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of known) out = out.split(secret).join("[redacted]");
    return out.replace(JWT_LIKE, "[redacted JWT]").replace(BEARER, "$1 [redacted]");
  };
}
