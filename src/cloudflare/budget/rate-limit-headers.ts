/**
 * Cloudflare's rate-limit answer headers (docs/cloudflare-api.md §15.1; the IETF RateLimit header fields draft):
 *   Ratelimit: "default";r=<remaining>;t=<seconds until the window resets>
 *   Ratelimit-Policy: "burst";q=<quota>;w=<window seconds>
 * Pure and forgiving: an absent header, an item without the needed parameters or a malformed value yields
 * nothing, never an error — the headers only ever tighten the client's own budget.
 */

export interface RateLimitRemaining {
  /** Calls the server still allows in its current window. */
  remaining: number;
  /** Until the window resets, from when the answer was received. */
  resetMs: number;
}

export interface RateLimitPolicy {
  quota: number;
  windowMs: number;
}

/** Items of a structured-field list: `"name";a=1;b=2, other;c=3` → parameter maps (the names are not needed). */
function parseItems(value: string): Map<string, string>[] {
  const items: Map<string, string>[] = [];
  for (const item of splitOutsideQuotes(value, ",")) {
    const [, ...params] = splitOutsideQuotes(item, ";");
    const map = new Map<string, string>();
    for (const param of params) {
      const eq = param.indexOf("=");
      if (eq <= 0) continue;
      map.set(param.slice(0, eq).trim().toLowerCase(), param.slice(eq + 1).trim());
    }
    items.push(map);
  }
  return items;
}

function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '"' && value[i - 1] !== "\\") quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** A non-negative integer as the draft writes it (sf-integer); anything else is malformed. */
function count(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

/**
 * The most restrictive `r`/`t` pair of the header (several policies may be listed: the one with the fewest calls
 * left governs). Undefined when absent or unusable.
 */
export function parseRateLimit(value: string | undefined): RateLimitRemaining | undefined {
  if (value === undefined) return undefined;
  let best: RateLimitRemaining | undefined;
  for (const params of parseItems(value)) {
    const remaining = count(params.get("r"));
    const reset = count(params.get("t"));
    if (remaining === undefined || reset === undefined) continue;
    if (best === undefined || remaining < best.remaining) best = { remaining, resetMs: reset * 1000 };
  }
  return best;
}

/** Every usable `q`/`w` policy of the header (quota ≥ 1, window ≥ 1 s). */
export function parseRateLimitPolicy(value: string | undefined): RateLimitPolicy[] {
  if (value === undefined) return [];
  const policies: RateLimitPolicy[] = [];
  for (const params of parseItems(value)) {
    const quota = count(params.get("q"));
    const window = count(params.get("w"));
    if (quota === undefined || window === undefined || quota < 1 || window < 1) continue;
    policies.push({ quota, windowMs: window * 1000 });
  }
  return policies;
}
