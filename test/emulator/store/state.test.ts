import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { computeVersionKey } from "../../../src/emulator/model/script-record.js";
import { EmulatorState, StatePersister, loadState } from "../../../src/emulator/store/state.js";
import { tempDir } from "../helpers.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

describe("state persistence", () => {
  it("round-trips namespaces, scripts and spent sessions", async () => {
    const state = new EmulatorState();
    const account = state.account(ACCOUNT);
    account.namespaces.set("__proto__", { id: "id", name: "__proto__", createdOn: "c", modifiedOn: "m", scripts: new Map() });
    account.spentSessions.set("s1", 123);
    const file = path.join(dir, "state.json");
    await new StatePersister(file, state).flush();
    const loaded = await loadState(file);
    expect(loaded.toJSON()).toEqual(state.toJSON());
    expect(loaded.accounts.get(ACCOUNT)!.namespaces.get("__proto__")!.id).toBe("id");
  });

  it("derives the version key of scripts saved before it existed", async () => {
    const script = {
      name: "old", etag: "e".repeat(64), createdOn: "c", modifiedOn: "m", deploymentId: "d", modules: [], manifestRef: "f".repeat(64),
      assetCount: 1, assetConfig: { html_handling: "none" }, bindings: [], compatibilityFlags: [], tags: [], usageModel: "standard", settings: {}, puts: 1,
    };
    const file = path.join(dir, "state.json");
    await writeFile(file, JSON.stringify({ version: 1, accounts: [{ id: ACCOUNT, namespaces: [], scripts: [script], spentSessions: [] }] }));
    const loaded = (await loadState(file)).accounts.get(ACCOUNT)!.scripts.get("old")!;
    expect(loaded.versionKey).toBe(computeVersionKey(script));
    expect(loaded.versionKey).toMatch(/^[0-9a-f]{64}$/);
    expect(computeVersionKey({ ...script, assetConfig: {} })).not.toBe(loaded.versionKey);
  });

  it("coalesces concurrent flushes and ends with the latest state", async () => {
    const state = new EmulatorState();
    const file = path.join(dir, "state.json");
    const persister = new StatePersister(file, state);
    const flushes: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      state.account(ACCOUNT).spentSessions.set(`s${i}`, i);
      flushes.push(persister.flush());
    }
    await Promise.all(flushes);
    const saved = JSON.parse(await readFile(file, "utf8"));
    expect(saved.accounts[0].spentSessions).toHaveLength(20);
  });

  it("starts empty without a file and refuses a corrupt one with an actionable message", async () => {
    expect((await loadState(path.join(dir, "none.json"))).accounts.size).toBe(0);
    const bad = path.join(dir, "bad.json");
    await writeFile(bad, "{not json");
    await expect(loadState(bad)).rejects.toThrow(/not valid JSON.*another --data/);
    await writeFile(bad, JSON.stringify({ version: 2, accounts: [] }));
    await expect(loadState(bad)).rejects.toThrow(/not a valid emulator state file/);
  });

  it("prunes expired spent sessions", () => {
    const state = new EmulatorState();
    state.account(ACCOUNT).spentSessions.set("old", 10).set("new", 1000);
    state.pruneSpentSessions(500);
    expect([...state.account(ACCOUNT).spentSessions.keys()]).toEqual(["new"]);
  });
});
