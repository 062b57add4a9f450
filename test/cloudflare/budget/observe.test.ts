/** The one way a wait is observed (src/cloudflare/budget/observe.ts): per scope or per client, each wait once. */
import { describe, expect, it } from "vitest";
import { eachWaitOnce, observerOfCall, withRequestObserver } from "../../../src/cloudflare/budget/observe.js";
import type { BudgetWait } from "../../../src/cloudflare/budget/wait.js";

const wait = (id: number): BudgetWait => ({ id, reason: "budget", waitMs: 2000, limit: 2, windowMs: 2000 });

describe("eachWaitOnce", () => {
  it("passes each wait on once however many calls report it; two observers remember apart", () => {
    const heard: number[][] = [[], []];
    const [a, b] = heard.map((list) => eachWaitOnce((w) => list.push(w.id)));
    for (const id of [1, 1, 1, 2, 2, 3]) a!(wait(id));
    b!(wait(1));
    expect(heard).toEqual([[1, 2, 3], [1]]);
  });
});

describe("observerOfCall", () => {
  it("is the innermost scope's observer, else the client's", async () => {
    const heard: string[] = [];
    const client = (w: BudgetWait) => heard.push(`client ${w.id}`);
    observerOfCall(client)?.(wait(1));
    await withRequestObserver({ onBudgetWait: (w) => heard.push(`outer ${w.id}`) }, async () => {
      observerOfCall(client)?.(wait(2));
      await Promise.resolve();
      observerOfCall(client)?.(wait(2)); // the same wait again, after an await: told once
      await withRequestObserver({ onBudgetWait: (w) => heard.push(`inner ${w.id}`) }, async () => observerOfCall(client)?.(wait(3)));
      // A scope without an observer leaves the calls to the client's.
      await withRequestObserver({}, async () => observerOfCall(client)?.(wait(4)));
    });
    expect(observerOfCall(undefined)).toBeUndefined();
    expect(heard).toEqual(["client 1", "outer 2", "inner 3", "client 4"]);
  });
});
