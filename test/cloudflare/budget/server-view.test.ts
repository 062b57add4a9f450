/** What the server's Ratelimit headers make the budget do (src/cloudflare/budget/server-view.ts). */
import { describe, expect, it } from "vitest";
import { ServerView } from "../../../src/cloudflare/budget/server-view.js";
import type { BudgetSettings } from "../../../src/cloudflare/transport-settings.js";

const SETTINGS: BudgetSettings = { limit: 1200, windowMs: 300_000, reserve: { calls: 2 }, perSecond: undefined, countUploadCalls: true };
const MAIN = { usable: 1198, limit: 1200, windowMs: 300_000 };

describe("ServerView", () => {
  it("caps the calls until the reset at what the server says is left, less the reserve and the calls in flight", () => {
    const view = new ServerView();
    view.observe({ ratelimit: '"default";r=5;t=30' }, SETTINGS, 0, 1);
    expect(view.allowed()).toBe(2); // 5 − 2 kept in reserve − 1 in flight
    view.recordCall();
    view.recordCall();
    expect(view.delay(SETTINGS, MAIN, 1000, 0)).toEqual({ ms: 29_000, window: MAIN, remaining: 5 });
    expect(view.waitFor(0, 1000)).toBe(29_000);
  });

  it("after the reset, lets a probe go and holds the rest for its answer; no answer in flight: back to the windows", () => {
    const view = new ServerView();
    view.observe({ ratelimit: '"default";r=2;t=10' }, SETTINGS, 0, 0);
    expect(view.delay(SETTINGS, MAIN, 10_000, 0).ms).toBe(0); // the probe (the reserve's 2 calls)
    view.recordCall();
    view.recordCall();
    expect(view.delay(SETTINGS, MAIN, 10_001, 2).ms).toBe(Number.POSITIVE_INFINITY);
    expect(view.delay(SETTINGS, MAIN, 10_002, 0).ms).toBe(0);
    expect(view.allowed()).toBeUndefined();
  });

  it("takes the server's policies as windows of its own, and forgets everything when cleared", () => {
    const view = new ServerView();
    view.observe({ "ratelimit-policy": '"burst";q=60;w=10' }, SETTINGS, 0, 0);
    expect(view.windows).toEqual([{ usable: 58, limit: 60, windowMs: 10_000 }]);
    expect(view.allowed()).toBeUndefined();
    view.clear();
    expect(view.windows).toEqual([]);
  });
});
