/**
 * The e2e suite's secret check: no text a user or a log collector sees — pulumi's output, which includes the
 * provider's console output, and `pulumi stack export` — may contain a registered secret (the API token) or
 * anything shaped like a JWT (upload and completion tokens live only in the provider's memory).
 */
import { afterEach } from "vitest";

/**
 * A JWT's header and payload are base64url JSON objects, so both start with `eyJ` (`{"`); the signature may be
 * missing from a truncated or unsigned token, which is still a leak.
 */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?/;

export class SecretLeakError extends Error {
  override readonly name = "SecretLeakError";
}

/**
 * Describes every leak in `text`, one entry per offending line, with the secret itself masked so the test
 * report does not repeat it. Empty = clean.
 */
export function findSecretLeaks(text: string, secrets: Iterable<string>): string[] {
  const known = [...secrets].filter((secret) => secret.length > 0);
  const leaks: string[] = [];
  text.split("\n").forEach((line, index) => {
    const found: string[] = [];
    let masked = line;
    known.forEach((secret, i) => {
      if (masked.includes(secret)) {
        found.push(`registered secret #${i + 1}`);
        masked = masked.split(secret).join(`[secret #${i + 1}]`);
      }
    });
    masked = masked.replace(new RegExp(JWT_PATTERN.source, "g"), (jwt) => {
      found.push("a JWT");
      return `${jwt.slice(0, 8)}…[JWT, ${jwt.length} chars]`;
    });
    if (found.length > 0) leaks.push(`line ${index + 1} has ${found.join(" and ")}: ${masked.trim().slice(0, 300)}`);
  });
  return leaks;
}

/** Throws a SecretLeakError naming where `text` came from and each offending line. */
export function assertNoSecretLeaks(source: string, text: string, secrets: Iterable<string>): void {
  const leaks = findSecretLeaks(text, secrets);
  if (leaks.length > 0) {
    throw new SecretLeakError(`${source} leaked a credential or a JWT (${leaks.length} line(s)):\n  ${leaks.slice(0, 10).join("\n  ")}`);
  }
}

interface StateChecked {
  checkStateForSecrets(): Promise<unknown>;
  readonly disposed: boolean;
}

/** After every test: `pulumi stack export` of each listed project must hold no registered secret and no JWT. */
export function guardSecrets(projects: () => Iterable<StateChecked | undefined>): void {
  afterEach(async () => {
    for (const project of projects()) {
      if (project && !project.disposed) await project.checkStateForSecrets();
    }
  });
}
