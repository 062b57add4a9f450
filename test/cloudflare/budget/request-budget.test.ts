import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  formatBudgetWait,
  RateLimitWaitExceeded,
  RequestBudget,
  type BudgetPermit,
  type BudgetSettings,
  type BudgetWait,
} from "../../../src/cloudflare/index.js";
import { maxInAnyWindow } from "../../fixtures/call-windows.mjs";

/** Fake timers drive both the budget's timers and its clock (Date.now is faked too). */
function budget(settings: Partial<BudgetSettings> | undefined, announceAfterMs = 1000): RequestBudget {
  const full: BudgetSettings | undefined =
    settings === undefined ? undefined : { limit: 10, windowMs: 1000, reserve: { calls: 0 }, perSecond: undefined, countUploadCalls: true, ...settings };
  return new RequestBudget(full, { now: () => Date.now(), announceAfterMs });
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});


/** Starts `count` calls at once; each holds its slot for `holdMs(i)` and then completes with `headers(i)`. */
function launch(
  b: RequestBudget,
  count: number,
  holdMs: (i: number) => number = () => 0,
  headers: (i: number) => Record<string, string> | undefined = () => ({}),
): { starts: number[]; done: Promise<void> } {
  const starts: number[] = [];
  const calls = Array.from({ length: count }, async (_, i) => {
    const permit = await b.acquire({ counted: true });
    starts.push(Date.now());
    const hold = holdMs(i);
    if (hold > 0) await new Promise((resolve) => setTimeout(resolve, hold));
    permit.complete(headers(i));
  });
  return { starts, done: Promise.all(calls).then(() => undefined) };
}

describe("sliding-window pacing", () => {
  it("never lets more than `limit` calls start in any window, however many wait at once", async () => {
    const b = budget({ limit: 10, windowMs: 1000 });
    // Calls of varying length, so slots free up at irregular times.
    const run = launch(b, 55, (i) => (i * 37) % 300);
    await vi.advanceTimersByTimeAsync(10_000);
    await run.done;
    expect(run.starts).toHaveLength(55);
    expect(maxInAnyWindow(run.starts, 1000)).toBe(10);
    // Paced, not starved: 55 calls at 10 per second need a little over five windows.
    expect(Math.max(...run.starts) - 1_000_000).toBeLessThan(6000);
  });

  it("keeps the reserve free, and also honours the per-second limit", async () => {
    const b = budget({ limit: 20, windowMs: 10_000, reserve: { percent: 25 }, perSecond: 3 });
    const run = launch(b, 20);
    await vi.advanceTimersByTimeAsync(30_000);
    await run.done;
    expect(maxInAnyWindow(run.starts, 10_000)).toBe(15); // 20 − 25 %
    expect(maxInAnyWindow(run.starts, 1000)).toBe(3);
  });

  it("calls that do not count (upload JWT calls, when so configured) take no slot", async () => {
    const b = budget({ limit: 2, windowMs: 1000 });
    const free = await Promise.all(Array.from({ length: 5 }, () => b.acquire({ counted: false })));
    expect(free).toHaveLength(5);
    const counted = launch(b, 2);
    await vi.advanceTimersByTimeAsync(0);
    await counted.done;
    expect(counted.starts).toEqual([1_000_000, 1_000_000]);
  });

  it("an aborted waiter leaves the queue and the calls behind it go in its place", async () => {
    const b = budget({ limit: 1, windowMs: 1000 });
    (await b.acquire({ counted: true })).complete({});
    const controller = new AbortController();
    const aborted = b.acquire({ counted: true, signal: controller.signal });
    const next = b.acquire({ counted: true });
    controller.abort(new Error("cancelled"));
    await expect(aborted).rejects.toThrow("cancelled");
    await vi.advanceTimersByTimeAsync(1000);
    await expect(next).resolves.toBeDefined();
    expect(b.snapshot()).toMatchObject({ inFlight: 1, waiting: 0 });
  });

  it("off (no settings) paces nothing but still holds calls during a 429 block", async () => {
    const b = budget(undefined);
    const run = launch(b, 50);
    await vi.advanceTimersByTimeAsync(0);
    await run.done;
    expect(new Set(run.starts)).toEqual(new Set([1_000_000]));
    b.blockFor(3000);
    const blocked = launch(b, 1);
    await vi.advanceTimersByTimeAsync(2999);
    expect(blocked.starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await blocked.done;
    expect(blocked.starts).toEqual([1_003_000]);
    expect(b.describe()).toMatch(/^off/);
  });
});

describe("server headers lower the estimate", () => {
  it("Ratelimit r/t: no more calls than the server says are left until its reset, then probe", async () => {
    const b = budget({ limit: 100, windowMs: 60_000 });
    const first = await b.acquire({ counted: true });
    first.complete({ ratelimit: '"default";r=3;t=5' });
    expect(b.snapshot().serverAllowed).toBe(3);
    const run = launch(b, 6, () => 0, (i): Record<string, string> => (i === 3 ? { ratelimit: '"default";r=50;t=60' } : {}));
    await vi.advanceTimersByTimeAsync(0);
    // The local window (100 per minute) would allow all six; the server said three are left.
    expect(run.starts).toEqual([1_000_000, 1_000_000, 1_000_000]);
    await vi.advanceTimersByTimeAsync(5000);
    await run.done;
    // After the reset one probe went (reserve 0 ⇒ 1 call); its answer reported 50 left, so the rest followed.
    expect(run.starts.slice(3)).toEqual([1_005_000, 1_005_000, 1_005_000]);
  });

  it("subtracts the reserve and the calls still in flight from what the server reports", async () => {
    const b = budget({ limit: 100, windowMs: 60_000, reserve: { percent: 10 } });
    const inFlight = await Promise.all([b.acquire({ counted: true }), b.acquire({ counted: true })]);
    const answered = await b.acquire({ counted: true });
    // r=20 of a 100-call policy: minus 10 reserved, minus the 2 calls whose answers are still out.
    answered.complete({ ratelimit: '"default";r=20;t=30', "ratelimit-policy": '"burst";q=100;w=60' });
    expect(b.snapshot().serverAllowed).toBe(8);
    for (const p of inFlight) p.complete();
  });

  it("Ratelimit-Policy adds the server's window to the local ones", async () => {
    const b = budget({ limit: 100, windowMs: 1000 });
    const first = await b.acquire({ counted: true });
    first.complete({ "ratelimit-policy": '"burst";q=4;w=10' });
    const run = launch(b, 6);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(run.starts).toHaveLength(3); // 4 per 10 s, the first call included
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(10_000);
    await run.done;
    expect(maxInAnyWindow([1_000_000, ...run.starts], 10_000)).toBe(4);
  });

  it("ignores absent and malformed headers, and a reset further away than any window", async () => {
    const b = budget({ limit: 5, windowMs: 1000 });
    const junk: Record<string, string>[] = [{}, { ratelimit: "nonsense" }, { ratelimit: '"default";r=-1;t=5' }, { "ratelimit-policy": '"burst";q=0;w=10' }];
    for (const headers of junk) {
      (await b.acquire({ counted: true })).complete(headers);
    }
    expect(b.snapshot().serverAllowed).toBeUndefined();
    (await b.acquire({ counted: true })).complete({ ratelimit: '"default";r=0;t=999999' });
    const waiting = launch(b, 1);
    // Clamped to the 1 s window instead of waiting 11 days.
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(0);
    await waiting.done;
    expect(waiting.starts[0]! - 1_000_000).toBeLessThanOrEqual(1000);
  });

  it("stops probing when the probe's answer carries no figures any more", async () => {
    const b = budget({ limit: 100, windowMs: 60_000 });
    (await b.acquire({ counted: true })).complete({ ratelimit: '"default";r=0;t=1' });
    const run = launch(b, 4);
    await vi.advanceTimersByTimeAsync(1000);
    await run.done;
    expect(run.starts).toEqual([1_001_000, 1_001_000, 1_001_000, 1_001_000]);
    expect(b.snapshot().serverAllowed).toBeUndefined();
  });
});

describe("429 blocks", () => {
  it("holds every call, counted or not, until the block ends; a longer block than a call accepts rejects it", async () => {
    const b = budget({ limit: 100, windowMs: 1000 });
    b.blockFor(300_000);
    const counted = b.acquire({ counted: true, maxBlockedMs: 360_000 });
    const upload = b.acquire({ counted: false, maxBlockedMs: 360_000 });
    const impatient = b.acquire({ counted: true, maxBlockedMs: 60_000 });
    await expect(impatient).rejects.toBeInstanceOf(RateLimitWaitExceeded);
    await expect(impatient).rejects.toMatchObject({ waitMs: 300_000, allowedMs: 60_000 });
    await vi.advanceTimersByTimeAsync(299_999);
    expect(b.blockedForMs()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const [c, u] = await Promise.all([counted, upload]);
    expect(c.blockedMs).toBe(300_000);
    expect(u.blockedMs).toBe(300_000);
  });

  it("a block that grows while a call waits is checked again against what the call accepts", async () => {
    const b = budget({ limit: 100, windowMs: 1000 });
    b.blockFor(10_000);
    const waiting = b.acquire({ counted: true, maxBlockedMs: 30_000 });
    await vi.advanceTimersByTimeAsync(5000);
    b.blockFor(40_000);
    await expect(waiting).rejects.toMatchObject({ waitMs: 40_000, allowedMs: 25_000 });
  });
});

describe("wait announcements", () => {
  it("once per wait to each waiting call, with its own estimate; short waits are not announced", async () => {
    const b = budget({ limit: 2, windowMs: 60_000 });
    const perCall: BudgetWait[][] = Array.from({ length: 5 }, () => []);
    const calls = perCall.map((list) => b.acquire({ counted: true, onWait: (w) => list.push(w) }));
    await vi.advanceTimersByTimeAsync(0);
    // The two that went at once heard nothing; the three that wait heard the same wait once each, with their own
    // estimate (the fifth needs a slot of a call not made yet: at least a window away).
    expect(perCall.map((l) => l.length)).toEqual([0, 0, 1, 1, 1]);
    expect(new Set(perCall.flat().map((w) => w.id)).size).toBe(1);
    expect(perCall[2]![0]).toMatchObject({ reason: "budget", waitMs: 60_000, limit: 2, windowMs: 60_000 });
    expect(formatBudgetWait(perCall[2]![0]!)).toBe("waiting 60 s for the API budget: 2 calls per 60 s");
    expect(perCall.slice(2).map((l) => l[0]!.waitMs)).toEqual([60_000, 60_000, 60_000]);
    await vi.advanceTimersByTimeAsync(120_000);
    const permits: BudgetPermit[] = await Promise.all(calls);
    expect(permits).toHaveLength(5);
    // Calls queued the whole time: one wait, told once to each, although the fifth call waited two windows.
    expect(perCall.map((l) => l.length)).toEqual([0, 0, 1, 1, 1]);
    // Once the queue emptied, the next wait is a new one (one slot is free: the other two calls wait).
    const later: BudgetWait[] = [];
    const next = [1, 2, 3].map(() => b.acquire({ counted: true, onWait: (w) => later.push(w) }));
    await vi.advanceTimersByTimeAsync(0);
    const id = perCall[2]![0]!.id;
    expect(later.map((w) => w.id)).toEqual([id + 1, id + 1]);
    await vi.advanceTimersByTimeAsync(60_000);
    await Promise.all(next);

    const quick = budget({ limit: 1, windowMs: 500 });
    const quiet: BudgetWait[] = [];
    const quickCalls = [1, 2, 3].map(() => quick.acquire({ counted: true, onWait: (w) => quiet.push(w) }).then((p) => p.complete({})));
    await vi.advanceTimersByTimeAsync(2000);
    await Promise.all(quickCalls);
    expect(quiet).toEqual([]);
  });

  it("describes the budget and a 429 block in words", () => {
    const b = budget({ limit: 1200, windowMs: 300_000, reserve: { percent: 5 }, perSecond: 100 });
    expect(b.describe()).toBe("1,200 calls per 300 s (60 kept in reserve), at most 100 per second");
    expect(formatBudgetWait({ id: 1, reason: "rate-limited", waitMs: 299_500, limit: 1200, windowMs: 300_000 })).toBe(
      "waiting 5 min: the API answered 429 (rate limited; budget 1,200 calls per 300 s), so every call on this token waits until the block ends",
    );
    expect(formatBudgetWait({ id: 2, reason: "server", waitMs: 12_000, limit: 1200, windowMs: 300_000, remaining: 3 })).toBe(
      "waiting 12 s for the API budget: the API reports 3 calls left of 1,200 calls per 300 s",
    );
  });

  it("an observer that throws does not stall the budget", async () => {
    const b = budget({ limit: 1, windowMs: 2000 });
    const starts: number[] = [];
    const calls = [1, 2].map(() =>
      b
        .acquire({
          counted: true,
          onWait: () => {
            throw new Error("broken sink");
          },
        })
        .then((permit) => {
          starts.push(Date.now());
          permit.complete({});
        }),
    );
    await vi.advanceTimersByTimeAsync(2000);
    await Promise.all(calls);
    expect(starts).toEqual([1_000_000, 1_002_000]);
  });
});
