/** The suite's call budget: never past the limit, checks never into the cleanup reserve, never into a 429 block. */
import { describe, expect, it } from "vitest";
import { CallBudget, CallBudgetError } from "../../src/contract/budget.js";

describe("CallBudget", () => {
  it("lets checks spend up to the limit minus the cleanup reserve, and cleanup the rest", () => {
    const budget = new CallBudget(6, 2);
    for (let i = 0; i < 4; i++) budget.take("check", `call ${i}`);
    expect(() => budget.take("check", "GET x")).toThrow(/would make API call 5 \(GET x\), past its budget of 6 calls \(2 of them kept for cleanup\)/);
    budget.take("cleanup", "DELETE namespace");
    budget.take("cleanup", "GET namespace");
    expect(() => budget.take("cleanup", "one more")).toThrow(CallBudgetError);
    expect(budget.used).toBe(6);
  });

  it("stops checks when the token's rate-limit window has no more than the reserve left", () => {
    const budget = new CallBudget(60, 4);
    budget.take("check", "first");
    budget.observeRemaining(4);
    expect(() => budget.take("check", "PUT script")).toThrow(/only 4 calls left in its rate-limit window/);
    budget.take("cleanup", "DELETE namespace");
    budget.observeRemaining(5);
    budget.take("check", "GET script");
    expect(budget.used).toBe(3);
  });
});
