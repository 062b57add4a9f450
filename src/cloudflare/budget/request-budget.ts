/**
 * Paces API calls so Cloudflare's budget is never exceeded: 1,200 calls per 5 minutes per token, cumulative over
 * everything that uses the token, and past it every call is refused with 429 for five minutes (docs/cloudflare-api.md §15.1).
 *
 * - The configured windows (window.ts): a call goes only when fewer than `limit − reserve` calls started in the last
 *   `window` (and fewer than `perSecond` in the last second).
 * - The server's own view, where it sends one (server-view.ts): the `Ratelimit` figures cap the calls until the
 *   reset, and `Ratelimit-Policy` adds the server's windows.
 * - A block: after a 429, no call of this budget goes until the Retry-After has passed.
 * - Other processes on the token, when a ledger is shared (ledger.ts): their calls count in every window, and their
 *   429 blocks hold this budget too.
 *
 * Calls wait in FIFO order. A wait lasts from the moment calls start queueing until the queue is empty again (or
 * its reason changes, e.g. a 429 block); each waiting call is told of it once (AcquireOptions.onWait), with its own
 * estimate. Waits shorter than `announceAfterMs` (the steady pacing between calls) are not told.
 */
import { formatCount, formatDuration } from "../durations.js";
import { reservedCalls, type BudgetSettings } from "../transport-settings.js";
import { RateLimitWaitExceeded, type AcquireOptions, type ApiBudget, type BudgetPermit, type BudgetSnapshot } from "./api-budget.js";
import type { BudgetLedger } from "./ledger.js";
import { ServerView } from "./server-view.js";
import type { BudgetWait, BudgetWaitObserver, BudgetWaitReason } from "./wait.js";
import { CallLog, configuredWindows, type Window } from "./window.js";

export interface RequestBudgetOptions {
  /** Monotonic milliseconds. Default performance.now. */
  now?: () => number;
  /** Wall-clock epoch milliseconds, to place other processes' calls from the ledger. Default Date.now. */
  wallClock?: () => number;
  /** Waits shorter than this are not announced. Default 1 s. */
  announceAfterMs?: number;
  /** Calls and 429 blocks of other processes on the same token (ledger.ts). */
  ledger?: BudgetLedger;
}

interface Waiter {
  counted: boolean;
  resolve: (permit: BudgetPermit) => void;
  reject: (error: unknown) => void;
  onWait: BudgetWaitObserver | undefined;
  maxBlockedMs: number;
  blockedMs: number;
  blockedSince: number | undefined;
  /** The id of the last wait this call was told of. */
  notified: number | undefined;
  detach: () => void;
}

/** Why the next counted call waits, and for how long (`ms <= 0`: it may go; Infinity: until an answer arrives). */
interface Delay {
  ms: number;
  reason: BudgetWaitReason;
  limit: number;
  windowMs: number;
  remaining?: number;
}

const DEFAULT_ANNOUNCE_AFTER_MS = 1000;

export class RequestBudget implements ApiBudget {
  private readonly now: () => number;
  private readonly wallClock: () => number;
  private readonly announceAfterMs: number;
  private settings: BudgetSettings | undefined;
  private windows: Window[] = [];
  private readonly calls = new CallLog();
  private readonly server = new ServerView();
  private ledger: BudgetLedger | undefined;
  private blockedUntil = 0;
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  private readonly blockOnly = new Set<Waiter>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The current wait: from when calls started queueing until the queue is empty again (or its reason changes). */
  private wait: Omit<BudgetWait, "waitMs"> | undefined;
  private nextWaitId = 1;

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

  /** New settings apply to the calls still waiting and to the next ones; the record of past calls is kept. */
  configure(settings: BudgetSettings | undefined): void {
    this.settings = settings;
    this.windows = settings ? configuredWindows(settings) : [];
    if (!settings) this.server.clear();
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
      callsInWindow: main ? this.calls.countSince(this.now() - main.windowMs) : this.calls.size,
      inFlight: this.inFlight,
      waiting: this.queue.length + this.blockOnly.size,
      serverAllowed: this.server.allowed(),
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
          if (headers !== undefined && this.settings) this.server.observe(headers, this.settings, this.now(), this.inFlight);
        }
        this.pump();
      },
    });
  }

  private record(now: number): void {
    this.calls.add(now);
    this.ledger?.append(this.wallClock());
    this.server.recordCall();
    const longest = Math.max(0, ...this.allWindows().map((w) => w.windowMs));
    this.calls.forget(now - longest);
  }

  /** Takes in what other processes recorded: their calls count in every window, their 429 blocks hold us too. */
  private mergeLedger(now: number): void {
    if (!this.ledger || !this.settings) return;
    const news = this.ledger.news();
    if (news.calls.length === 0 && news.blockedUntil === undefined) return;
    const wallNow = this.wallClock();
    for (const epoch of news.calls) this.calls.add(now - (wallNow - epoch));
    if (news.blockedUntil !== undefined) this.blockedUntil = Math.max(this.blockedUntil, now + (news.blockedUntil - wallNow));
  }

  private allWindows(): Window[] {
    return [...this.windows, ...this.server.windows];
  }

  /** How long the next counted call must wait, and why. */
  private delay(now: number): Delay {
    let delay: Delay = { ms: 0, reason: "budget", limit: 0, windowMs: 0 };
    for (const w of this.allWindows()) {
      const ms = this.calls.waitFor(w, now);
      if (ms > delay.ms) delay = { ms, reason: "budget", limit: w.limit, windowMs: w.windowMs };
    }
    if (!this.settings) return delay;
    const server = this.server.delay(this.settings, this.windows[0], now, this.inFlight);
    if (server.ms > delay.ms) {
      delay = { ms: server.ms, reason: "server", limit: server.window?.limit ?? 0, windowMs: server.window?.windowMs ?? 0 };
      if (server.ms !== Number.POSITIVE_INFINITY) delay.remaining = server.remaining;
    }
    return delay;
  }

  /** When the call at queue position `k` is expected to go: a lower bound (a 429 may hold it longer). */
  private estimate(k: number, now: number): number {
    const windows = this.allWindows().map((w) => this.calls.waitFor(w, now, k));
    return Math.max(0, ...windows, this.server.waitFor(k, now));
  }

  /** The wait calls are in now: the current one, or a new one when none is going on or its reason changed. */
  private waitOf(delay: Delay): Omit<BudgetWait, "waitMs"> {
    if (this.wait?.reason === delay.reason) return this.wait;
    this.wait = {
      id: this.nextWaitId++,
      reason: delay.reason,
      limit: delay.limit,
      windowMs: delay.windowMs,
      ...(delay.remaining !== undefined ? { remaining: delay.remaining } : {}),
    };
    return this.wait;
  }

  /** Tells a waiting call about the current wait, once, with its own estimate, if that is worth mentioning. */
  private notify(waiter: Waiter, wait: Omit<BudgetWait, "waitMs">, waitMs: number): void {
    if (!waiter.onWait || waiter.notified === wait.id || waitMs < this.announceAfterMs) return;
    waiter.notified = wait.id;
    const onWait = waiter.onWait;
    try {
      onWait({ ...wait, waitMs });
    } catch {
      // An observer that throws (a progress sink gone bad) must not stall every call of the process.
    }
  }

  /** Lets every call through that may go now, and sets a timer for the next one. */
  private pump(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.now();
    this.mergeLedger(now);
    if (this.blockedUntil > now) return this.holdForBlock(now);
    for (const waiter of [...this.queue, ...this.blockOnly]) {
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
      const wait = this.waitOf(delay);
      this.queue.forEach((waiter, k) => {
        if (waiter.onWait && waiter.notified !== wait.id) this.notify(waiter, wait, k === 0 ? delay.ms : this.estimate(k, now));
      });
      this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(delay.ms)));
      return;
    }
    this.wait = undefined; // nobody waits any more: the wait is over
  }

  /** A 429 block holds every call: reject those that would wait longer than they accept, tell the others. */
  private holdForBlock(now: number): void {
    const blockLeft = this.blockedUntil - now;
    const main = this.windows[0];
    const wait = this.waitOf({ ms: blockLeft, reason: "rate-limited", limit: main?.limit ?? 0, windowMs: main?.windowMs ?? 0 });
    for (const waiter of [...this.queue, ...this.blockOnly]) {
      waiter.blockedSince ??= now;
      const held = waiter.blockedMs + (now - waiter.blockedSince);
      if (held + blockLeft > waiter.maxBlockedMs) {
        this.remove(waiter);
        waiter.reject(new RateLimitWaitExceeded(blockLeft, Math.max(0, waiter.maxBlockedMs - held)));
        continue;
      }
      this.notify(waiter, wait, blockLeft);
    }
    if (this.queue.length + this.blockOnly.size > 0) this.timer = setTimeout(() => this.pump(), Math.ceil(blockLeft));
    else this.wait = undefined;
  }
}
