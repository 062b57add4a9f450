/**
 * Processes on one token pace as one: each RequestBudget records its calls in a shared ledger file and counts the
 * calls others recorded. Two budgets on one file stand for two processes here (each ledger has its own identity).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileBudgetLedger } from "../../src/cloudflare/budget-ledger.js";
import { RequestBudget } from "../../src/cloudflare/request-budget.js";
import { resolveTransportSettings } from "../../src/cloudflare/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "wfp-ledger-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const settings = (limit: number, windowMs: number) => ({ limit, windowMs, reserve: { calls: 0 }, perSecond: undefined, countUploadCalls: true });

async function take(budget: RequestBudget): Promise<number> {
  const started = performance.now();
  const permit = await budget.acquire({ counted: true });
  permit.complete(undefined);
  return performance.now() - started;
}

describe("the shared budget ledger", () => {
  it("a second process waits for the calls the first one made in the window", async () => {
    const file = path.join(dir, "calls.log");
    const first = new RequestBudget(settings(4, 1000), { ledger: new FileBudgetLedger(file, 60_000) });
    for (let i = 0; i < 4; i++) expect(await take(first)).toBeLessThan(100);
    const second = new RequestBudget(settings(4, 1000), { ledger: new FileBudgetLedger(file, 60_000) });
    // The window is full with the first process's calls: the second one's first call waits for them to leave it.
    expect(await take(second)).toBeGreaterThan(700);
  });

  it("a 429 block one process was told of holds the other too", async () => {
    const file = path.join(dir, "block.log");
    const first = new RequestBudget(settings(100, 1000), { ledger: new FileBudgetLedger(file, 60_000) });
    const second = new RequestBudget(settings(100, 1000), { ledger: new FileBudgetLedger(file, 60_000) });
    await take(second);
    first.blockFor(800);
    expect(await take(second)).toBeGreaterThan(600);
  });

  it("reads only what others appended, and on first read only what is inside the horizon", async () => {
    const file = path.join(dir, "horizon.log");
    const now = Date.now();
    await writeFile(file, `${now - 120_000} old\n${now - 1000} recent\n`);
    const ledger = new FileBudgetLedger(file, 60_000);
    expect(ledger.news().calls).toEqual([now - 1000]);
    ledger.append(now);
    expect(ledger.news().calls).toEqual([]); // its own line
    expect((await readFile(file, "utf8")).trim().split("\n")).toHaveLength(3);
  });

  it("is on by default in a folder of the cache, off or elsewhere by setting", () => {
    expect(resolveTransportSettings({ env: { XDG_CACHE_HOME: "/tmp/xdg" } }).budget?.shareDir).toBe("/tmp/xdg/pulumi-wfp-assets/api-budget");
    expect(resolveTransportSettings({ env: { WFP_ASSETS_API_BUDGET_SHARE: "off" } }).budget?.shareDir).toBeUndefined();
    expect(resolveTransportSettings({ input: { apiBudgetShare: "/srv/budget" }, env: {} }).budget?.shareDir).toBe("/srv/budget");
  });
});
