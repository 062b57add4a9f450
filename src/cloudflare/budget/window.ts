/**
 * The budget's sliding windows: the start time of every counted call, and how long the next call (or the k-th
 * waiting one) must wait so that no window ever holds more than its usable calls. Pure bookkeeping: the caller
 * passes the clock's readings (monotonic milliseconds).
 */
import { reservedCalls, type BudgetReserve, type BudgetSettings } from "../transport-settings.js";

/** At most `usable` counted calls may start in any `windowMs`. */
export interface Window {
  /** Calls allowed, after the reserve. */
  usable: number;
  /** As configured or announced, for messages. */
  limit: number;
  windowMs: number;
}

/** A window of `limit` calls with the reserve kept free (always at least one usable call). */
export function windowOf(limit: number, windowMs: number, reserve: BudgetReserve): Window {
  return { usable: limit - reservedCalls(reserve, limit), limit, windowMs };
}

/** The configured windows: the main one, and one second wide when calls per second are limited. */
export function configuredWindows(settings: BudgetSettings): Window[] {
  const windows = [windowOf(settings.limit, settings.windowMs, settings.reserve)];
  if (settings.perSecond !== undefined) windows.push({ usable: settings.perSecond, limit: settings.perSecond, windowMs: 1000 });
  return windows;
}

/** When counted calls started, ascending; entries before `head` have left every window. */
export class CallLog {
  private times: number[] = [];
  private head = 0;

  /** Adds a call in order (another process's call can be older than this one's latest). */
  add(t: number): void {
    if (this.times.length === this.head || t >= this.times[this.times.length - 1]!) this.times.push(t);
    else this.times.splice(this.firstAfter(t), 0, t);
  }

  /** Forgets the calls that started at or before `cutoff`: they have left every window. */
  forget(cutoff: number): void {
    while (this.head < this.times.length && this.times[this.head]! <= cutoff) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** Calls still remembered. */
  get size(): number {
    return this.times.length - this.head;
  }

  /** Calls that started after `since`. */
  countSince(since: number): number {
    return this.times.length - this.firstAfter(since);
  }

  /**
   * How long the call at queue position `k` (0 = the next) must wait for `window`: until the call whose slot it takes
   * leaves the window, or a whole window when that call has not even been made yet. 0 = it may go now.
   */
  waitFor(window: Window, now: number, k = 0): number {
    if (this.countSince(now - window.windowMs) + k < window.usable) return 0;
    const index = this.times.length - window.usable + k;
    return index < this.times.length ? this.times[index]! + window.windowMs - now : window.windowMs;
  }

  /** Index of the first remembered call that started after `t` (binary search). */
  private firstAfter(t: number): number {
    let lo = this.head;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
