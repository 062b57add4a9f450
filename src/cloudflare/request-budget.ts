/**
 * Paces API calls so Cloudflare's budget is never exceeded: 1,200 calls per 5 minutes per token, cumulative over
 * everything that uses the token, and past it every call is refused with 429 for five minutes (docs/cloudflare-api.md §15.1).
 *
 * - A sliding-window log: the start time of every call; a call goes only when fewer than `limit − reserve` calls
 *   started in the last `window` (and fewer than `perSecond` in the last second).
 * - The server's own view, where it sends one: `Ratelimit: r=<remaining>;t=<reset s>` caps the calls until the reset
 *   (other processes may share the token, so never more than the server says is left), and `Ratelimit-Policy:
 *   q=<quota>;w=<window s>` adds the server's window to the log's windows.
 * - A block: after a 429, no call of this budget goes until the Retry-After has passed.
 *
 * Calls wait in FIFO order. A wait lasts from the moment calls start queueing until the queue is empty again (or
 * its reason changes, e.g. a 429 block); it is announced once to `onWait` listeners, and once to each waiting
 * call's own callback with that call's own estimate. Waits shorter than `announceAfterMs` (the steady pacing
 * between calls) are not announced.
 */
import type { BudgetLedger } from "./budget-ledger.js";
import { formatCount, formatDuration, formatWait } from "./durations.js";
import { parseRateLimit, parseRateLimitPolicy } from "./rate-limit-headers.js";
import { reservedCalls, type BudgetSettings } from "./transport-settings.js";

export type BudgetWaitReason = "budget" | "server" | "rate-limited";

export interface BudgetWait {
  /** One id per wait: a listener that sees the same id again is hearing about the same wait. */
  id: number;
  reason: BudgetWaitReason;
  /** From the moment of the callback until the wait is expected to end. */
  waitMs: number;
  /** The limit that makes calls wait, e.g. 1,200 calls per 300,000 ms. */
  limit: number;
  windowMs: number;
  /** For "server": the calls the server said were left. */
  remaining?: number;
}

export interface BudgetPermit {
  /** How long this call was held by a rate-limit block (429) before it was let through. */
  readonly blockedMs: number;
  /**
   * Releases the call's slot. Pass the answer's headers (lower-case names) when there was an answer, so the
   * Ratelimit headers can tighten the estimate; undefined when no answer arrived.
   */
  complete(headers?: Readonly<Record<string, string>>): void;
}

export interface AcquireOptions {
  /** False for calls that do not count against the budget (they still respect a 429 block). */
  counted: boolean;
  signal?: AbortSignal;
  onWait?: (wait: BudgetWait) => void;
  /** Longest this call may still be held by a 429 block; a longer block rejects with RateLimitWaitExceeded. */
  maxBlockedMs?: number;
}

/** A 429 block longer than the caller agreed to wait. */
export class RateLimitWaitExceeded extends Error {
  readonly waitMs: number;
  readonly allowedMs: number;
  constructor(waitMs: number, allowedMs: number) {
    super(`all API calls are blocked for another ${formatWait(waitMs)} (rate limited), longer than the ${formatWait(allowedMs)} left to wait`);
    this.name = "RateLimitWaitExceeded";
    this.waitMs = waitMs;
    this.allowedMs = allowedMs;
  }
}

export interface RequestBudgetOptions {
  /** Monotonic milliseconds. Default performance.now. */
  now?: () => number;
  /** Wall-clock epoch milliseconds, to place other processes' calls from the ledger. Default Date.now. */
  wallClock?: () => number;
  /** Waits shorter than this are not announced. Default 1 s. */
  announceAfterMs?: number;
  /** Calls and 429 blocks of other processes on the same token (src/cloudflare/budget-ledger.ts). */
  ledger?: BudgetLedger;
}

interface Window {
  /** Calls allowed, after the reserve. */
  usable: number;
  /** As configured or announced, for messages. */
  limit: number;
  windowMs: number;
}

interface ServerView {
  /** Calls we may still start before `resetAt`, reserve and calls in flight already taken off. */
  allowed: number;
  used: number;
  resetAt: number;
  /** The calls the server reported left, for messages. */
  remaining: number;
  /** After the reset: a few calls go to learn the new figures; then wait for their answers. */
  probing: boolean;
}

interface Waiter {
  counted: boolean;
  resolve: (permit: BudgetPermit) => void;
  reject: (error: unknown) => void;
  onWait: ((wait: BudgetWait) => void) | undefined;
  maxBlockedMs: number;
  blockedMs: number;
  blockedSince: number | undefined;
  notified: number | undefined;
  detach: () => void;
}

/** The current wait: from when calls started queueing until the queue is empty again. */
interface Episode {
  wait: Omit<BudgetWait, "waitMs">;
  announced: boolean;
}

interface Delay {
  ms: number;
  reason: BudgetWaitReason;
  limit: number;
  windowMs: number;
  remaining?: number;
}

const DEFAULT_ANNOUNCE_AFTER_MS = 1000;
const MAX_SERVER_POLICIES = 4;

/**
 * What a CloudflareClient needs of its budget. RequestBudget is the real one; a worker thread's client gets a stand-in
 * that asks the parent thread's RequestBudget over a MessagePort (src/deploy/budget-bridge.ts), so that every call of
 * the process is paced by one budget, whichever thread sends it.
 */
export interface ApiBudget {
  /** Whether calls with the upload JWT take a slot (the client asks this per request). */
  readonly countsUploadCalls: boolean;
  /** The budget in words, for error messages ("1,200 calls per 300 s …", or "off"). */
  describe(): string;
  /** Waits until a call may start; the permit is completed when the call's answer (or failure) is in. */
  acquire(options: AcquireOptions): Promise<BudgetPermit>;
  /** A 429 arrived: nothing of this budget goes for `ms`. */
  blockFor(ms: number): void;
  /** Called once per wait of the budget; returns the unsubscribe function. */
  onWait(listener: (wait: BudgetWait) => void): () => void;
  /** For tests and diagnostics (a stand-in reports the real budget's figures as of its last answer). */
  snapshot(): BudgetSnapshot;
}

export interface BudgetSnapshot {
  /** Counted calls in the main window. */
  callsInWindow: number;
  inFlight: number;
  waiting: number;
  /** Calls the server's Ratelimit header still allows, when it sent one. */
  serverAllowed: number | undefined;
}

export class RequestBudget implements ApiBudget {
  private readonly now: () => number;
  private readonly announceAfterMs: number;
  private settings: BudgetSettings | undefined;
  private windows: Window[] = [];
  private policyWindows: Window[] = [];
  /** Start times of counted calls, ascending; entries before `head` have left every window. */
  private log: number[] = [];
  private head = 0;
  private server: ServerView | undefined;
  private blockedUntil = 0;
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  private readonly blockOnly = new Set<Waiter>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private episode: Episode | undefined;
  private readonly listeners = new Set<(wait: BudgetWait) => void>();
  private nextWaitId = 1;

  private readonly wallClock: () => number;
  private ledger: BudgetLedger | undefined;

  constructor(settings: BudgetSettings | undefined, options: RequestBudgetOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.wallClock = options.wallClock ?? Date.now;
    this.announceAfterMs = options.announceAfterMs ?? DEFAULT_ANNOUNCE_AFTER_MS;
    this.ledger = options.ledger;
    this.configure(settings);
  }

  /** Shares this budget's calls with other processes on the token from now on (or stops, with undefined). */
  useLedger(ledger: BudgetLedger | undefined): void {
    this.ledger = ledger;
    this.pump();
  }

  /** Takes in what other processes recorded: their calls count in every window, their 429 blocks hold us too. */
  private mergeLedger(now: number): void {
    if (!this.ledger || !this.settings) return;
    const news = this.ledger.news();
    if (news.calls.length === 0 && news.blockedUntil === undefined) return;
    const wallNow = this.wallClock();
    for (const epoch of news.calls) this.insert(now - (wallNow - epoch));
    if (news.blockedUntil !== undefined) this.blockedUntil = Math.max(this.blockedUntil, now + (news.blockedUntil - wallNow));
  }

  /** Adds a call time to the ascending log (another process's call can be older than our latest). */
  private insert(t: number): void {
    this.log.splice(this.firstAfter(t), 0, t);
  }

  /** Index of the first logged call that started after `t` (binary search; entries before `head` are gone). */
  private firstAfter(t: number): number {
    let lo = this.head;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** New settings apply to the calls still waiting and to the next ones; the log of past calls is kept. */
  configure(settings: BudgetSettings | undefined): void {
    this.settings = settings;
    this.windows = [];
    if (settings) {
      this.windows.push({ usable: settings.limit - reservedCalls(settings.reserve, settings.limit), limit: settings.limit, windowMs: settings.windowMs });
      if (settings.perSecond !== undefined) this.windows.push({ usable: settings.perSecond, limit: settings.perSecond, windowMs: 1000 });
    } else {
      this.policyWindows = [];
      this.server = undefined;
    }
    this.pump();
  }

  /** Whether calls with the upload JWT take a slot (the client asks this per request). */
  get countsUploadCalls(): boolean {
    return this.settings?.countUploadCalls ?? true;
  }

  /** "1,200 calls per 300 s (60 kept in reserve), at most 100 per second", or "off". */
  describe(): string {
    const s = this.settings;
    if (!s) return "off (no pacing)";
    const reserve = reservedCalls(s.reserve, s.limit);
    return (
      `${formatCount(s.limit)} calls per ${formatDuration(s.windowMs)}` +
      (reserve > 0 ? ` (${formatCount(reserve)} kept in reserve)` : "") +
      (s.perSecond !== undefined ? `, at most ${formatCount(s.perSecond)} per second` : "")
    );
  }

  /** Called once per wait (however many calls wait), with the first waiting call's estimate. Returns the unsubscribe function. */
  onWait(listener: (wait: BudgetWait) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Waits until a call may start. Resolves with the permit to complete when the call's answer (or failure) is in. */
  acquire(options: AcquireOptions): Promise<BudgetPermit> {
    return new Promise<BudgetPermit>((resolve, reject) => {
      const signal = options.signal;
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        this.remove(waiter);
        reject(signal?.reason);
        this.pump();
      };
      const waiter: Waiter = {
        counted: options.counted,
        resolve,
        reject,
        onWait: options.onWait,
        maxBlockedMs: options.maxBlockedMs ?? Number.POSITIVE_INFINITY,
        blockedMs: 0,
        blockedSince: undefined,
        notified: undefined,
        detach: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (options.counted) this.queue.push(waiter);
      else this.blockOnly.add(waiter);
      this.pump();
    });
  }

  /** A 429 arrived: nothing of this budget goes for `ms` (Retry-After, or Cloudflare's five-minute block). */
  blockFor(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + Math.max(0, ms));
    this.ledger?.appendBlock(this.wallClock() + Math.max(0, ms));
    this.pump();
  }

  /** How much longer calls are blocked by a 429 (0 = not blocked). */
  blockedForMs(): number {
    return Math.max(0, this.blockedUntil - this.now());
  }

  /** For tests and diagnostics: counted calls in the main window, calls in flight, calls waiting. */
  snapshot(): BudgetSnapshot {
    const main = this.windows[0];
    return {
      callsInWindow: main ? this.countSince(this.now() - main.windowMs) : this.log.length - this.head,
      inFlight: this.inFlight,
      waiting: this.queue.length + this.blockOnly.size,
      serverAllowed: this.server ? this.server.allowed - this.server.used : undefined,
    };
  }

  private remove(waiter: Waiter): void {
    waiter.detach();
    const i = this.queue.indexOf(waiter);
    if (i !== -1) this.queue.splice(i, 1);
    this.blockOnly.delete(waiter);
  }

  private grant(waiter: Waiter, now: number): void {
    this.remove(waiter);
    if (waiter.counted) {
      this.record(now);
      this.inFlight++;
    }
    let done = false;
    waiter.resolve({
      blockedMs: waiter.blockedMs,
      complete: (headers) => {
        if (done) return;
        done = true;
        if (waiter.counted) {
          this.inFlight--;
          if (headers !== undefined) this.observe(headers);
        }
        this.pump();
      },
    });
  }

  private record(now: number): void {
    this.log.push(now);
    this.ledger?.append(this.wallClock());
    if (this.server) this.server.used++;
    const longest = Math.max(0, ...this.windows.map((w) => w.windowMs), ...this.policyWindows.map((w) => w.windowMs));
    const cutoff = now - longest;
    while (this.head < this.log.length && this.log[this.head]! <= cutoff) this.head++;
    if (this.head > 1024 && this.head * 2 > this.log.length) {
      this.log = this.log.slice(this.head);
      this.head = 0;
    }
  }

  /** Counted calls that started after `since`. */
  private countSince(since: number): number {
    return this.log.length - this.firstAfter(since);
  }

  /** Reads the Ratelimit headers of an answer to a counted call. Never loosens the local windows. */
  private observe(headers: Readonly<Record<string, string>>): void {
    const settings = this.settings;
    if (!settings) return;
    const now = this.now();
    const policies = parseRateLimitPolicy(headers["ratelimit-policy"]).slice(0, MAX_SERVER_POLICIES);
    if (policies.length > 0) {
      this.policyWindows = policies.map((p) => ({ usable: p.quota - reservedCalls(settings.reserve, p.quota), limit: p.quota, windowMs: p.windowMs }));
    }
    const state = parseRateLimit(headers["ratelimit"]);
    if (state === undefined) {
      // The probe after a reset got an answer without figures: the server no longer reports; stop probing.
      if (this.server?.probing) this.server = undefined;
      return;
    }
    const governing = this.policyWindows[0]?.limit ?? settings.limit;
    const longest = Math.max(settings.windowMs, ...this.policyWindows.map((w) => w.windowMs));
    this.server = {
      // Calls still in flight may not have reached the server when it counted: take them off too.
      allowed: state.remaining - reservedCalls(settings.reserve, governing) - this.inFlight,
      used: 0,
      // A reset further away than any window is malformed; never wait longer than a window for it.
      resetAt: now + Math.min(state.resetMs, longest),
      remaining: state.remaining,
      probing: false,
    };
  }

  /** How long the next counted call must wait, and why. `ms <= 0` = it may go now; Infinity = until an answer. */
  private delay(now: number): Delay {
    let delay: Delay = { ms: 0, reason: "budget", limit: 0, windowMs: 0 };
    for (const w of [...this.windows, ...this.policyWindows]) {
      if (this.countSince(now - w.windowMs) < w.usable) continue;
      // The call whose expiry frees a slot: the `usable`-th newest.
      const ms = this.log[this.log.length - w.usable]! + w.windowMs - now;
      if (ms > delay.ms) delay = { ms, reason: "budget", limit: w.limit, windowMs: w.windowMs };
    }
    const server = this.server;
    if (server) {
      if (!server.probing && now >= server.resetAt) {
        const governing = this.policyWindows[0] ?? this.windows[0];
        const probe = Math.max(1, governing ? reservedCalls(this.settings!.reserve, governing.limit) : 1);
        this.server = { allowed: probe, used: 0, resetAt: Number.POSITIVE_INFINITY, remaining: probe, probing: true };
        return this.delay(now);
      }
      if (server.allowed - server.used <= 0) {
        if (server.probing) {
          if (this.inFlight > 0) return { ms: Number.POSITIVE_INFINITY, reason: "server", limit: 0, windowMs: 0 };
          this.server = undefined; // nothing in flight will bring news: fall back to the local windows
          return this.delay(now);
        }
        const ms = server.resetAt - now;
        const window = this.policyWindows[0] ?? this.windows[0];
        if (ms > delay.ms) delay = { ms, reason: "server", limit: window?.limit ?? 0, windowMs: window?.windowMs ?? 0, remaining: server.remaining };
      }
    }
    return delay;
  }

  /**
   * When the call at queue position `k` (0 = next) is expected to go: when the call that frees its slot in each
   * window leaves the window (at least a window away if that call has not even been made yet), and not before a
   * server-reported reset that its position falls behind. A lower bound: later calls may be held by a 429.
   */
  private estimate(k: number, now: number): number {
    let ms = 0;
    for (const w of [...this.windows, ...this.policyWindows]) {
      if (this.countSince(now - w.windowMs) + k < w.usable) continue;
      const index = this.log.length - w.usable + k;
      ms = Math.max(ms, index < this.log.length ? this.log[index]! + w.windowMs - now : w.windowMs);
    }
    const server = this.server;
    if (server && !server.probing && k >= server.allowed - server.used) ms = Math.max(ms, server.resetAt - now);
    return ms;
  }

  /** Starts a wait (or a new one when its reason changed) and tells the listeners once it is worth mentioning. */
  private waitFor(delay: Delay): Episode {
    let episode = this.episode;
    if (!episode || episode.wait.reason !== delay.reason) {
      episode = {
        wait: {
          id: this.nextWaitId++,
          reason: delay.reason,
          limit: delay.limit,
          windowMs: delay.windowMs,
          ...(delay.remaining !== undefined ? { remaining: delay.remaining } : {}),
        },
        announced: false,
      };
      this.episode = episode;
    }
    if (!episode.announced && delay.ms >= this.announceAfterMs) {
      episode.announced = true;
      const wait = episode.wait;
      for (const listener of this.listeners) safely(() => listener({ ...wait, waitMs: delay.ms }));
    }
    return episode;
  }

  /** Tells a waiting call about the current wait, once, with its own estimate, if that is worth mentioning. */
  private notify(waiter: Waiter, episode: Episode, waitMs: number): void {
    if (!waiter.onWait || waiter.notified === episode.wait.id || waitMs < this.announceAfterMs) return;
    waiter.notified = episode.wait.id;
    const onWait = waiter.onWait;
    safely(() => onWait({ ...episode.wait, waitMs }));
  }

  /** Lets every call through that may go now, and sets a timer for the next one. */
  private pump(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.now();
    this.mergeLedger(now);
    const waiters = [...this.queue, ...this.blockOnly];

    const blockLeft = this.blockedUntil - now;
    if (blockLeft > 0) {
      const main = this.windows[0];
      const episode = this.waitFor({ ms: blockLeft, reason: "rate-limited", limit: main?.limit ?? 0, windowMs: main?.windowMs ?? 0 });
      for (const waiter of waiters) {
        waiter.blockedSince ??= now;
        const held = waiter.blockedMs + (now - waiter.blockedSince);
        if (held + blockLeft > waiter.maxBlockedMs) {
          this.remove(waiter);
          waiter.reject(new RateLimitWaitExceeded(blockLeft, Math.max(0, waiter.maxBlockedMs - held)));
          continue;
        }
        this.notify(waiter, episode, blockLeft);
      }
      if (this.queue.length + this.blockOnly.size > 0) this.timer = setTimeout(() => this.pump(), Math.ceil(blockLeft));
      else this.episode = undefined;
      return;
    }
    for (const waiter of waiters) {
      if (waiter.blockedSince === undefined) continue;
      waiter.blockedMs += now - waiter.blockedSince;
      waiter.blockedSince = undefined;
    }

    for (const waiter of [...this.blockOnly]) this.grant(waiter, now);
    while (this.queue.length > 0) {
      const delay = this.delay(now);
      if (delay.ms <= 0) {
        this.grant(this.queue[0]!, now);
        continue;
      }
      if (delay.ms === Number.POSITIVE_INFINITY) return; // an answer in flight will pump again
      const episode = this.waitFor(delay);
      this.queue.forEach((waiter, k) => {
        if (waiter.onWait && waiter.notified !== episode.wait.id) this.notify(waiter, episode, k === 0 ? delay.ms : this.estimate(k, now));
      });
      this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(delay.ms)));
      return;
    }
    this.episode = undefined; // nobody waits any more: the wait is over
  }
}

/** A listener that throws (a progress sink gone bad) must not stall every call of the process. */
function safely(call: () => void): void {
  try {
    call();
  } catch {
    // ignored on purpose: the wait itself goes on
  }
}

/** The progress line for a wait: "waiting 12 s for the API budget: 1,200 calls per 300 s". */
export function formatBudgetWait(wait: BudgetWait): string {
  const time = formatWait(wait.waitMs);
  const policy = wait.limit > 0 ? `${formatCount(wait.limit)} calls per ${formatDuration(wait.windowMs)}` : "";
  switch (wait.reason) {
    case "budget":
      return `waiting ${time} for the API budget: ${policy}`;
    case "server":
      return `waiting ${time} for the API budget: the API reports ${formatCount(wait.remaining ?? 0)} calls left${policy ? ` of ${policy}` : ""}`;
    case "rate-limited":
      return `waiting ${time}: the API answered 429 (rate limited${policy ? `; budget ${policy}` : ""}), so every call on this token waits until the block ends`;
  }
}
