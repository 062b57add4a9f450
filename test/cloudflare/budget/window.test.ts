/** The budget's sliding windows (src/cloudflare/budget/window.ts): how long the next call, or the k-th, waits. */
import { describe, expect, it } from "vitest";
import { CallLog, configuredWindows, windowOf } from "../../../src/cloudflare/budget/window.js";

function log(...times: number[]): CallLog {
  const calls = new CallLog();
  for (const t of times) calls.add(t);
  return calls;
}

describe("configuredWindows", () => {
  it("keeps the reserve out of the main window and adds a one-second window when calls per second are limited", () => {
    expect(configuredWindows({ limit: 1200, windowMs: 300_000, reserve: { percent: 5 }, perSecond: 100, countUploadCalls: true })).toEqual([
      { usable: 1140, limit: 1200, windowMs: 300_000 },
      { usable: 100, limit: 100, windowMs: 1000 },
    ]);
    expect(windowOf(1, 1000, { calls: 5 })).toEqual({ usable: 1, limit: 1, windowMs: 1000 });
  });
});

describe("CallLog.waitFor", () => {
  const window = { usable: 3, limit: 3, windowMs: 1000 };
  it.each([
    ["room left: go now", log(0, 100), 500, 0, 0],
    ["full: until the oldest call of the last three leaves", log(0, 100, 200), 500, 0, 500],
    ["full, second in the queue: until the next one leaves", log(0, 100, 200), 500, 1, 600],
    ["a queue position past every logged call: a whole window", log(0, 100, 200), 500, 3, 1000],
    ["calls that left the window do not count", log(0, 100, 200), 1150, 0, 0],
    ["an older call added late is placed in order", log(200, 0, 100), 500, 0, 500],
  ])("%s", (_name, calls, now, k, expected) => {
    expect(calls.waitFor(window, now, k)).toBe(expected);
  });

  it("forgets calls older than every window, and counts what it keeps", () => {
    const calls = log(0, 100, 200, 300);
    calls.forget(150);
    expect(calls.size).toBe(2);
    expect(calls.countSince(250)).toBe(1);
  });
});
