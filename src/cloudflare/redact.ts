/**
 * Error messages end up in CI logs and Pulumi state diagnostics, so anything a server echoes back
 * (a JWT in an error body, the token in a debugging proxy's HTML page) is scrubbed before it is shown.
 */

const REDACTED = "[redacted]";

// JWT header segments are base64url JSON, so they always start with "eyJ" (`{"`).
const JWT_LIKE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer)\s+[^\s"',;]+/gi;
const API_KEY_HEADER = /\b(X-Auth-Key)\s*[:=]\s*[^\s"',;]+/gi;

// Shorter "secrets" would erase ordinary words from messages (tests use tiny fake tokens, too).
const MIN_SECRET_LENGTH = 6;

export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(JWT_LIKE, `${REDACTED} JWT`)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(API_KEY_HEADER, `$1: ${REDACTED}`);
}
