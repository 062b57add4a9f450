/**
 * Processes on one token pace as one when they share a ledger: each RequestBudget records its calls in the ledger's
 * files and counts the calls others recorded. Two ledgers on one folder stand for two processes here (each has its
 * own identity).
 */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileBudgetLedger, LEDGER_KEEP_MS, LEDGER_SLOT_MS } from "../../../src/cloudflare/budget/ledger.js";
import { RequestBudget } from "../../../src/cloudflare/budget/request-budget.js";
import { resolveTransportSettings } from "../../../src/cloudflare/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "wfp-ledger-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const settings = (limit: number, windowMs: number) => ({ limit, windowMs, reserve: { calls: 0 }, perSecond: undefined, countUploadCalls: true });
/** A token's file name, as the registry makes it (32 hex characters). */
const hash = (name: string) => createHash("sha256").update(name).digest("hex").slice(0, 32);
/** A wall clock the test moves. */
function clock(start: number): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

async function take(budget: RequestBudget): Promise<number> {
  const started = performance.now();
  const permit = await budget.acquire({ counted: true });
  permit.complete(undefined);
  return performance.now() - started;
}

describe("the shared budget ledger", () => {
  it("a second process waits for the calls the first one made in the window", async () => {
    const first = new RequestBudget(settings(4, 1000), { ledger: new FileBudgetLedger(dir, hash("calls"), 60_000) });
    for (let i = 0; i < 4; i++) expect(await take(first)).toBeLessThan(100);
    const second = new RequestBudget(settings(4, 1000), { ledger: new FileBudgetLedger(dir, hash("calls"), 60_000) });
    // The window is full with the first process's calls: the second one's first call waits for them to leave it.
    expect(await take(second)).toBeGreaterThan(700);
  });

  it("a 429 block one process was told of holds the other too", async () => {
    const first = new RequestBudget(settings(100, 1000), { ledger: new FileBudgetLedger(dir, hash("block"), 60_000) });
    const second = new RequestBudget(settings(100, 1000), { ledger: new FileBudgetLedger(dir, hash("block"), 60_000) });
    await take(second);
    first.blockFor(800);
    expect(await take(second)).toBeGreaterThan(600);
  });

  it("reads only what others appended, and only what is inside the horizon", async () => {
    const wall = clock(1_000 * LEDGER_SLOT_MS + 90_000);
    const now = wall.now();
    const slot = Math.floor(now / LEDGER_SLOT_MS);
    // Two slots back: outside a one-minute horizon altogether; the current slot: one line out, one in.
    await writeFile(path.join(dir, `${hash("horizon")}.${slot - 2}.log`), `${now - 2 * LEDGER_SLOT_MS} old\n`);
    await writeFile(path.join(dir, `${hash("horizon")}.${slot}.log`), `${now - 80_000} older-than-a-minute\n${now - 1000} recent\n`);
    const ledger = new FileBudgetLedger(dir, hash("horizon"), 60_000, wall.now);
    expect(ledger.news().calls).toEqual([now - 1000]);
    ledger.append(now);
    expect(ledger.news().calls).toEqual([]); // its own line
    expect((await readFile(path.join(dir, `${hash("horizon")}.${slot}.log`), "utf8")).trim().split("\n")).toHaveLength(3);
    ledger.close();
  });

  it("loses no call while processes append, read and move on to new files, in any interleaving", async () => {
    const wall = clock(2_000 * LEDGER_SLOT_MS);
    const writers = [1, 2, 3].map(() => new FileBudgetLedger(dir, hash("busy"), 10 * 60_000, wall.now));
    const reader = new FileBudgetLedger(dir, hash("busy"), 10 * 60_000, wall.now);
    const written: number[] = [];
    const heard: number[] = [];
    // 3,000 calls over 9 minutes (three slot files), each writer taking turns, the reader looking in between.
    for (let i = 0; i < 3000; i++) {
      const t = wall.now();
      writers[i % 3]!.append(t);
      written.push(t);
      if (i % 7 === 0) heard.push(...reader.news().calls);
      wall.advance(180);
    }
    heard.push(...reader.news().calls);
    expect(heard.sort((a, b) => a - b)).toEqual(written.filter((t) => t > wall.now() - 10 * 60_000));
    // A writer's line written late into the previous slot's file is still heard.
    const late = wall.now() - LEDGER_SLOT_MS;
    writers[0]!.append(late);
    expect(reader.news().calls).toEqual([late]);
    for (const ledger of [...writers, reader]) ledger.close();
  });

  it("deletes only its own files, once nobody has written them for an hour", async () => {
    const own = await mkdtemp(path.join(os.tmpdir(), "wfp-ledger-prune-"));
    const stale = `${hash("stale")}.5.log`;
    const old = `${hash("stale")}.log`; // an earlier version's single file
    for (const name of [stale, old, "notes.txt", `${hash("fresh")}.6.log`]) await writeFile(path.join(own, name), "1 x\n");
    const anHourAgo = (Date.now() - LEDGER_KEEP_MS - 60_000) / 1000;
    for (const name of [stale, old, "notes.txt"]) await utimes(path.join(own, name), anHourAgo, anHourAgo);
    new FileBudgetLedger(own, hash("opening"), 60_000).close();
    expect((await readdir(own)).sort()).toEqual([`${hash("fresh")}.6.log`, "notes.txt"].sort());
    await rm(own, { recursive: true, force: true });
  });

  it("is off by default; on in a folder of the cache, or elsewhere, by setting", () => {
    expect(resolveTransportSettings({ env: { XDG_CACHE_HOME: "/tmp/xdg" } }).budget?.shareDir).toBeUndefined();
    expect(resolveTransportSettings({ env: { XDG_CACHE_HOME: "/tmp/xdg", WFP_ASSETS_API_BUDGET_SHARE: "on" } }).budget?.shareDir).toBe("/tmp/xdg/pulumi-wfp-assets/api-budget");
    expect(resolveTransportSettings({ input: { apiBudgetShare: true }, env: { PULUMI_WFP_CACHE: "/srv/cache" } }).budget?.shareDir).toBe("/srv/cache/api-budget");
    expect(resolveTransportSettings({ input: { apiBudgetShare: "/srv/budget" }, env: {} }).budget?.shareDir).toBe("/srv/budget");
    expect(resolveTransportSettings({ input: { apiBudgetShare: "off" }, env: { WFP_ASSETS_API_BUDGET_SHARE: "on" } }).budget?.shareDir).toBeUndefined();
  });
});
