/**
 * Cloudflare's global API rate limit (docs/cloudflare-api.md §15.1;
 * developers.cloudflare.com/fundamentals/api/reference/limits): 1,200 requests per 5 minutes per user/token, and
 * past that "all API calls for the next five minutes will be blocked" with HTTP 429. REST answers carry
 * `Ratelimit: "default";r=<remaining>;t=<seconds until the window resets>` and
 * `Ratelimit-Policy: "burst";q=<quota>;w=<window seconds>`; a 429 also carries `retry-after` (seconds, rounded up).
 * Optionally also 200 requests per second per client IP.
 *
 * Windows are fixed and start at a token's first call; a call that finds the window full starts the block, and
 * every call during the block is refused (and does not count). Pure bookkeeping: the server supplies identities
 * (auth.ts) and the clock.
 */

export interface RateLimitConfig {
  /** Calls per window per token (Cloudflare: 1,200). */
  requests: number;
  /** Window length in seconds (Cloudflare: 300). */
  windowSeconds: number;
  /** How long a token is blocked once it goes over (Cloudflare: 300). */
  blockSeconds: number;
  /** Whether upload calls authenticated by a session JWT count against the token that opened the session. */
  countUploads: boolean;
  /** Calls per second per client IP (Cloudflare: 200); undefined = not enforced. */
  perIpPerSecond: number | undefined;
}

export const CLOUDFLARE_RATE_LIMIT: RateLimitConfig = { requests: 1200, windowSeconds: 300, blockSeconds: 300, countUploads: true, perIpPerSecond: undefined };

export type RateDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; retryAfterSeconds: number; headers: Record<string, string>; reason: "token" | "ip" };

export interface RateLimitStats {
  policy: RateLimitConfig;
  /** 429s sent (token and IP limits together). */
  throttled: number;
  /** Five-minute (blockSeconds) blocks started. */
  blocks: number;
  /** 429s sent by the per-IP limit. */
  ipThrottled: number;
  /** Per token identity (never the token itself; auth.ts derives an HMAC label). */
  tokens: Record<string, TokenRateStats>;
}

export interface TokenRateStats {
  /** The current window: when it started and the calls it has counted. */
  window: { start: string; calls: number; remaining: number };
  /** When the current block ends, if the token is blocked. */
  blockedUntil?: string;
  throttled: number;
  blocks: number;
  /** Earlier windows (most recent last, at most 50): calls counted in each. */
  history: Array<{ start: string; calls: number }>;
}

interface TokenState {
  windowStart: number;
  calls: number;
  blockedUntil: number | undefined;
  throttled: number;
  blocks: number;
  history: Array<{ start: number; calls: number }>;
}

const HISTORY = 50;

export class RateLimiter {
  private readonly tokens = new Map<string, TokenState>();
  private readonly ips = new Map<string, { second: number; calls: number }>();
  private throttled = 0;
  private blocks = 0;
  private ipThrottled = 0;

  constructor(
    readonly config: RateLimitConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one call of `identity` and says whether it may proceed, with the headers its answer carries. */
  checkToken(identity: string): RateDecision {
    const now = this.now();
    const { requests, windowSeconds, blockSeconds } = this.config;
    const state = this.stateOf(identity, now);
    if (state.blockedUntil !== undefined && now < state.blockedUntil) return this.refuse(state, state.blockedUntil - now);
    if (state.blockedUntil !== undefined) {
      // The block is over: a fresh window starts with this call.
      state.blockedUntil = undefined;
      this.rollWindow(state, now);
    } else if (now >= state.windowStart + windowSeconds * 1000) {
      this.rollWindow(state, now);
    }
    if (state.calls >= requests) {
      state.blockedUntil = now + blockSeconds * 1000;
      state.blocks++;
      this.blocks++;
      return this.refuse(state, blockSeconds * 1000);
    }
    state.calls++;
    const reset = state.windowStart + windowSeconds * 1000 - now;
    return { allowed: true, headers: this.headers(requests - state.calls, reset) };
  }

  /** Counts one call from `ip` against the per-second limit; undefined when that limit is off. */
  checkIp(ip: string): RateDecision | undefined {
    const limit = this.config.perIpPerSecond;
    if (limit === undefined) return undefined;
    const now = this.now();
    const second = Math.floor(now / 1000);
    let state = this.ips.get(ip);
    if (!state || state.second !== second) {
      state = { second, calls: 0 };
      this.ips.set(ip, state);
      if (this.ips.size > 10_000) this.ips.clear(); // a bounded map; a lost count only ever allows more
    }
    if (state.calls >= limit) {
      this.throttled++;
      this.ipThrottled++;
      const wait = (second + 1) * 1000 - now;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)), headers: {}, reason: "ip" };
    }
    state.calls++;
    return { allowed: true, headers: {} };
  }

  stats(): RateLimitStats {
    const now = this.now();
    const tokens: Record<string, TokenRateStats> = {};
    for (const [identity, s] of [...this.tokens].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const stats: TokenRateStats = {
        window: { start: new Date(s.windowStart).toISOString(), calls: s.calls, remaining: Math.max(0, this.config.requests - s.calls) },
        throttled: s.throttled,
        blocks: s.blocks,
        history: s.history.map((h) => ({ start: new Date(h.start).toISOString(), calls: h.calls })),
      };
      if (s.blockedUntil !== undefined && now < s.blockedUntil) stats.blockedUntil = new Date(s.blockedUntil).toISOString();
      tokens[identity] = stats;
    }
    return { policy: { ...this.config }, throttled: this.throttled, blocks: this.blocks, ipThrottled: this.ipThrottled, tokens };
  }

  private stateOf(identity: string, now: number): TokenState {
    let state = this.tokens.get(identity);
    if (!state) {
      state = { windowStart: now, calls: 0, blockedUntil: undefined, throttled: 0, blocks: 0, history: [] };
      this.tokens.set(identity, state);
    }
    return state;
  }

  private rollWindow(state: TokenState, now: number): void {
    state.history.push({ start: state.windowStart, calls: state.calls });
    if (state.history.length > HISTORY) state.history.shift();
    state.windowStart = now;
    state.calls = 0;
  }

  private refuse(state: TokenState, waitMs: number): RateDecision {
    state.throttled++;
    this.throttled++;
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    return { allowed: false, retryAfterSeconds, headers: { ...this.headers(0, waitMs), "retry-after": String(retryAfterSeconds) }, reason: "token" };
  }

  private headers(remaining: number, resetMs: number): Record<string, string> {
    return {
      ratelimit: `"default";r=${Math.max(0, remaining)};t=${Math.max(0, Math.ceil(resetMs / 1000))}`,
      "ratelimit-policy": `"burst";q=${this.config.requests};w=${this.config.windowSeconds}`,
    };
  }
}

/**
 * `--rate-limit` syntax: `on` (Cloudflare's numbers), `off`, or `N/W` (N calls per W seconds), optionally followed
 * by comma-separated `block=S`, `uploads=on|off`, `ip=N` (per-IP calls per second). Returns undefined for `off`.
 */
export function parseRateLimitSpec(spec: string): Partial<RateLimitConfig> | undefined {
  const [head = "", ...rest] = spec.split(",").map((s) => s.trim());
  if (head === "off") {
    if (rest.length > 0) throw new Error(`"off" takes no settings, got "${spec}".`);
    return undefined;
  }
  const out: Partial<RateLimitConfig> = {};
  if (head !== "on") {
    const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(head);
    if (!m) throw new Error(`expected "on", "off" or "<calls>/<seconds>" (e.g. 1200/300), got "${head}".`);
    out.requests = Number(m[1]);
    out.windowSeconds = Number(m[2]);
  }
  for (const item of rest) {
    const [key, value = ""] = item.split("=");
    if (key === "block" && /^\d+(\.\d+)?$/.test(value)) out.blockSeconds = Number(value);
    else if (key === "uploads" && (value === "on" || value === "off")) out.countUploads = value === "on";
    else if (key === "ip" && /^\d+$/.test(value)) out.perIpPerSecond = Number(value);
    else throw new Error(`unknown setting "${item}" (use block=<seconds>, uploads=on|off, ip=<calls per second>).`);
  }
  return out;
}
