/**
 * Cloudflare's rate-limit headers on REST answers, in the documented form (README, "Configuration"; Cloudflare's
 * API limits page): `Ratelimit: "default";r=<remaining>;t=<seconds until the window resets>` and
 * `Ratelimit-Policy: "burst";q=<quota>;w=<window seconds>`. Parsed strictly: anything else is a finding.
 */

export interface RateLimitState {
  remaining: number;
  resetSeconds: number;
}

export interface RateLimitPolicy {
  quota: number;
  windowSeconds: number;
}

const RATELIMIT = /^"default";r=(\d+);t=(\d+)$/;
const POLICY = /^"burst";q=(\d+);w=(\d+)$/;

export function parseRateLimit(value: string | undefined): RateLimitState | undefined {
  const m = value === undefined ? null : RATELIMIT.exec(value.trim());
  return m ? { remaining: Number(m[1]), resetSeconds: Number(m[2]) } : undefined;
}

export function parseRateLimitPolicy(value: string | undefined): RateLimitPolicy | undefined {
  const m = value === undefined ? null : POLICY.exec(value.trim());
  return m ? { quota: Number(m[1]), windowSeconds: Number(m[2]) } : undefined;
}
