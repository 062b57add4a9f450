/**
 * The server's own view of the budget, where it sends one (docs/cloudflare-api.md §15.1): `Ratelimit: r=<remaining>;
 * t=<reset s>` caps the calls until the reset (other processes may share the token, so never more than the server
 * says is left), and `Ratelimit-Policy: q=<quota>;w=<window s>` adds the server's windows to the configured ones.
 * After a reset a few calls go to learn the new figures (probing), and the rest wait for their answers. The headers
 * only ever tighten the configured budget. Pure state: the caller passes the clock and the settings.
 */
import { reservedCalls, type BudgetSettings } from "../transport-settings.js";
import { parseRateLimit, parseRateLimitPolicy } from "./rate-limit-headers.js";
import { windowOf, type Window } from "./window.js";

/** A server listing more policies than this is not read further (a bound on the work per answer). */
const MAX_SERVER_POLICIES = 4;

interface Figures {
  /** Calls we may still start before `resetAt`, reserve and calls in flight already taken off. */
  allowed: number;
  used: number;
  resetAt: number;
  /** The calls the server reported left, for messages. */
  remaining: number;
  /** After the reset: a few calls go to learn the new figures; then wait for their answers. */
  probing: boolean;
}

/** What the server's figures make the next call do: go (0), wait `ms`, or wait for an answer in flight (Infinity). */
export interface ServerDelay {
  ms: number;
  /** The window the figures belong to, for messages. */
  window: Window | undefined;
  remaining: number;
}

export class ServerView {
  private figures: Figures | undefined;
  /** The windows of the last Ratelimit-Policy header, in the server's order (the first governs). */
  windows: Window[] = [];

  /** The budget was switched off: forget everything the server said. */
  clear(): void {
    this.figures = undefined;
    this.windows = [];
  }

  /** A counted call started: one fewer left of what the server allowed. */
  recordCall(): void {
    if (this.figures) this.figures.used++;
  }

  /** Calls the server's last figures still allow (undefined: it sent none). */
  allowed(): number | undefined {
    return this.figures ? this.figures.allowed - this.figures.used : undefined;
  }

  /** Reads the Ratelimit headers of an answer to a counted call. `inFlight`: calls still waiting for their answers. */
  observe(headers: Readonly<Record<string, string>>, settings: BudgetSettings, now: number, inFlight: number): void {
    const policies = parseRateLimitPolicy(headers["ratelimit-policy"]).slice(0, MAX_SERVER_POLICIES);
    if (policies.length > 0) this.windows = policies.map((p) => windowOf(p.quota, p.windowMs, settings.reserve));
    const state = parseRateLimit(headers["ratelimit"]);
    if (state === undefined) {
      // The probe after a reset got an answer without figures: the server no longer reports; stop probing.
      if (this.figures?.probing) this.figures = undefined;
      return;
    }
    const governing = this.windows[0]?.limit ?? settings.limit;
    const longest = Math.max(settings.windowMs, ...this.windows.map((w) => w.windowMs));
    this.figures = {
      // Calls still in flight may not have reached the server when it counted: take them off too.
      allowed: state.remaining - reservedCalls(settings.reserve, governing) - inFlight,
      used: 0,
      // A reset further away than any window is malformed; never wait longer than a window for it.
      resetAt: now + Math.min(state.resetMs, longest),
      remaining: state.remaining,
      probing: false,
    };
  }

  /**
   * How long the next counted call must wait for the server's figures. Past the reset it starts probing (as many
   * calls as the reserve, at least one); a probe with nothing in flight to answer it falls back to the local windows.
   */
  delay(settings: BudgetSettings, main: Window | undefined, now: number, inFlight: number): ServerDelay {
    const window = this.windows[0] ?? main;
    let figures = this.figures;
    if (figures && !figures.probing && now >= figures.resetAt) {
      const probe = Math.max(1, window ? reservedCalls(settings.reserve, window.limit) : 1);
      figures = this.figures = { allowed: probe, used: 0, resetAt: Number.POSITIVE_INFINITY, remaining: probe, probing: true };
    }
    if (!figures || figures.allowed - figures.used > 0) return { ms: 0, window, remaining: 0 };
    if (figures.probing) {
      if (inFlight > 0) return { ms: Number.POSITIVE_INFINITY, window: undefined, remaining: 0 };
      this.figures = undefined; // nothing in flight will bring news
      return { ms: 0, window, remaining: 0 };
    }
    return { ms: figures.resetAt - now, window, remaining: figures.remaining };
  }

  /** When the call at queue position `k` may go as far as the figures say (a lower bound; 0 = not held by them). */
  waitFor(k: number, now: number): number {
    const figures = this.figures;
    if (!figures || figures.probing || k < figures.allowed - figures.used) return 0;
    return figures.resetAt - now;
  }
}
