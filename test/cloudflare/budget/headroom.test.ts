/** How many calls may start now (src/cloudflare/budget/headroom.ts), for optional calls like the orphan listing. */
import { describe, expect, it } from "vitest";
import { callsAllowedNow } from "../../../src/cloudflare/budget/headroom.js";
import { RequestBudget } from "../../../src/cloudflare/index.js";
import type { BudgetSettings } from "../../../src/cloudflare/transport-settings.js";

const SETTINGS: BudgetSettings = { limit: 10, windowMs: 60_000, reserve: { calls: 2 }, perSecond: undefined, countUploadCalls: true };
const idle = { callsInWindow: 0, inFlight: 0, waiting: 0, serverAllowed: undefined };

describe("callsAllowedNow", () => {
  it("is the window's room above the reserve, or unlimited with the budget off", () => {
    expect(callsAllowedNow(idle, SETTINGS, 0)).toBe(8);
    expect(callsAllowedNow({ ...idle, callsInWindow: 7 }, SETTINGS, 0)).toBe(1);
    expect(callsAllowedNow({ ...idle, callsInWindow: 8 }, SETTINGS, 0)).toBe(0);
    expect(callsAllowedNow(idle, undefined, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it("is zero while a 429 block holds, while calls queue, or when the server's figure is spent", () => {
    expect(callsAllowedNow(idle, SETTINGS, 1_000)).toBe(0);
    expect(callsAllowedNow({ ...idle, waiting: 1 }, undefined, 0)).toBe(0);
    expect(callsAllowedNow({ ...idle, serverAllowed: 0 }, undefined, 0)).toBe(0);
    expect(callsAllowedNow({ ...idle, serverAllowed: 3 }, SETTINGS, 0)).toBe(3);
  });

  it("follows a real budget: room until its usable calls are taken", async () => {
    const budget = new RequestBudget(SETTINGS);
    for (let i = 0; i < 8; i++) (await budget.acquire({ counted: true })).complete();
    expect(callsAllowedNow(budget.snapshot(), SETTINGS, budget.blockedForMs())).toBe(0);
    budget.blockFor(5_000);
    expect(callsAllowedNow(budget.snapshot(), undefined, budget.blockedForMs())).toBe(0);
  });
});
