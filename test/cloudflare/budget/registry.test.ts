/** One budget per API origin and credential for the whole process (src/cloudflare/budget/registry.ts). */
import { readdirSync, readlinkSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { budgetKey, sharedBudget } from "../../../src/cloudflare/budget/registry.js";
import type { BudgetSettings } from "../../../src/cloudflare/transport-settings.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "wfp-registry-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const settings = (extra: Partial<BudgetSettings> = {}): BudgetSettings => ({
  limit: 10,
  windowMs: 1000,
  reserve: { calls: 0 },
  perSecond: undefined,
  countUploadCalls: true,
  ...extra,
});

/** This process's open file descriptors on files inside `dir` (Linux: /proc/self/fd). */
function openIn(dir: string): number {
  let open = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}${path.sep}`)) open++;
    } catch {
      // the descriptor readdir itself used, closed by now
    }
  }
  return open;
}

describe("the process-wide budget registry", () => {
  it("keys by origin and a hash of the credential, never the credential itself", () => {
    const token = "tok_registry_0123456789abcdefghijklmnop";
    const key = budgetKey("https://api.example.test", { apiToken: token });
    expect(key).toMatch(/^https:\/\/api\.example\.test#[0-9a-f]{32}$/);
    expect(key).not.toContain(token);
    expect(budgetKey("https://api.example.test", { apiToken: token })).toBe(key);
    expect(budgetKey("https://api.example.test", { apiToken: `${token}x` })).not.toBe(key);
    expect(budgetKey("http://127.0.0.1:1", { apiToken: token })).not.toBe(key);
    expect(budgetKey("https://api.example.test", { apiKey: token, email: "a@b.test" })).not.toBe(key);
    expect(budgetKey("https://api.example.test", undefined)).toBe("https://api.example.test#anonymous");
  });

  it("hands every caller of one key the same budget, with the latest settings", () => {
    const key = budgetKey("https://registry.example.test", { apiToken: "registry-test-token" });
    const first = sharedBudget(key, settings());
    const second = sharedBudget(key, settings({ limit: 20, countUploadCalls: false }));
    expect(second).toBe(first);
    expect(first.describe()).toBe("20 calls per 1 s");
    expect(first.countsUploadCalls).toBe(false);
    expect(sharedBudget(budgetKey("https://other.example.test", { apiToken: "registry-test-token" }), undefined)).not.toBe(first);
  });

  it("records calls where the latest settings say, and closes the files of a ledger they replace", async () => {
    const key = budgetKey("https://ledger.example.test", { apiToken: "registry-ledger-token" });
    const [a, b] = [path.join(root, "a"), path.join(root, "b")];
    const budget = sharedBudget(key, settings({ shareDir: a }));
    (await budget.acquire({ counted: true })).complete({});
    expect(openIn(a)).toBeGreaterThan(0);
    expect(await readdir(a)).toHaveLength(1);

    sharedBudget(key, settings({ shareDir: b }));
    expect(openIn(a)).toBe(0);
    (await budget.acquire({ counted: true })).complete({});
    expect(await readdir(b)).toHaveLength(1);
    expect(openIn(b)).toBeGreaterThan(0);

    sharedBudget(key, settings());
    expect(openIn(b)).toBe(0);
  });
});
