import { spawn } from "node:child_process";
import { appendFile, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { FormData, fetch } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mulberry32 } from "../../../src/emulator/harness/prng.js";
import { type EmulatorState, scriptRecordOf } from "../../../src/emulator/store/state.js";
import { openStateStore, readState } from "../../../src/emulator/store/state-store.js";
import { ACCOUNT, OTHER_ACCOUNT, TOKEN, TestClient, WORKER_JS, start, tempDir } from "../helpers.js";
import { storedScript } from "./records.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

const snapshotFile = () => path.join(dir, "state.json");
const journalFile = () => path.join(dir, "state.journal");
const size = async (file: string) => (await stat(file)).size;
/**
 * The state as data, without the snapshot generation (which differs between two stores of the same state), in name
 * order: the Maps' insertion order is not part of the state (every listing sorts by name).
 */
function contentOf(state: EmulatorState) {
  const byName = <T>(entries: T[], name: (t: T) => string) => [...entries].sort((a, b) => (name(a) < name(b) ? -1 : 1));
  return byName(state.toSnapshot(0).accounts, (a) => a.id).map((a) => ({
    ...a,
    namespaces: byName(a.namespaces, (ns) => ns.name).map((ns) => ({ ...ns, scripts: byName(ns.scripts, (s) => s.name) })),
    scripts: byName(a.scripts, (s) => s.name),
    spentSessions: byName(a.spentSessions, ([id]) => id),
  }));
}
const generationOf = async () => (JSON.parse(await readFile(snapshotFile(), "utf8")) as { generation: number }).generation;

/** One random mutation of every kind the routes make: namespaces created/deleted/re-created, scripts, tags, sessions. */
function mutate(state: EmulatorState, random: () => number, i: number): void {
  const account = state.account(random() < 0.8 ? ACCOUNT : OTHER_ACCOUNT);
  const nsName = `ns${Math.floor(random() * 3)}`;
  const roll = random();
  if (roll < 0.05) {
    account.namespaces.delete(nsName);
  } else if (roll < 0.1 || !account.namespaces.has(nsName)) {
    account.namespaces.set(nsName, { id: `id-${i}`, name: nsName, createdOn: `c${i}`, modifiedOn: `m${i}`, scripts: new Map() });
  } else if (roll < 0.6) {
    const name = `s${Math.floor(random() * 40)}`;
    account.namespaces.get(nsName)!.scripts.set(name, scriptRecordOf(storedScript(name, [`v${i}`])));
  } else if (roll < 0.7) {
    account.namespaces.get(nsName)!.scripts.delete(`s${Math.floor(random() * 40)}`);
  } else if (roll < 0.8) {
    const record = [...account.namespaces.get(nsName)!.scripts.values()][0];
    if (record) {
      record.tags = [`in-place-${i}`]; // as the tag routes do: changed in place, then touched
      state.touch(record);
    }
  } else if (roll < 0.9) {
    account.scripts.set(`w${i % 7}`, scriptRecordOf(storedScript(`w${i % 7}`, [`v${i}`])));
  } else {
    account.spentSessions.set(`session-${i % 11}`, i);
    if (i % 3 === 0) account.spentSessions.delete(`session-${(i + 5) % 11}`);
  }
}

describe("state store", () => {
  it.each([
    ["journal only", undefined],
    ["many compactions", 2_000],
  ])("gives the same state after a restart, after many mutations (%s)", async (_label, minCompactBytes) => {
    const { state, persister } = await openStateStore(dir, { minCompactBytes });
    const random = mulberry32(19);
    for (let i = 0; i < 600; i++) {
      mutate(state, random, i);
      // most writes alone, some coalesced with the next few mutations
      if (i % 5 !== 1) await persister.flush();
    }
    await persister.flush();
    expect(contentOf(await readState(dir))).toEqual(contentOf(state));
    const reopened = await openStateStore(dir, { minCompactBytes });
    expect(contentOf(reopened.state)).toEqual(contentOf(state));
    if (minCompactBytes) expect(await generationOf()).toBeGreaterThan(5);
    else expect(await generationOf()).toBe(2); // the first open and the reopen; no compaction in between
  });

  it("appends only what changed: one script's write costs the same with 10 or 2,000 scripts held", async () => {
    const { state, persister } = await openStateStore(dir, { minCompactBytes: 64 * 1024 * 1024 });
    const scripts = state.account(ACCOUNT).scripts;
    const appendedByOnePut = async () => {
      const before = await size(journalFile());
      scripts.set("probe", scriptRecordOf(storedScript("probe")));
      await persister.flush();
      return (await size(journalFile())) - before;
    };
    for (let i = 0; i < 10; i++) scripts.set(`s${i}`, scriptRecordOf(storedScript(`s${i}`)));
    await persister.flush();
    const small = await appendedByOnePut();
    for (let i = 10; i < 2_000; i++) scripts.set(`s${i}`, scriptRecordOf(storedScript(`s${i}`)));
    await persister.flush();
    const large = await appendedByOnePut();
    expect(small).toBeGreaterThan(0);
    expect(large).toBe(small);
    expect(await size(snapshotFile())).toBeLessThan(small * 5); // still the empty snapshot of the first open
  });

  it("ignores a torn last line, and what is written after it survives the next restart", async () => {
    const first = await openStateStore(dir);
    first.state.account(ACCOUNT).scripts.set("answered", scriptRecordOf(storedScript("answered")));
    await first.persister.flush();
    // a kill mid-append: part of a write that was never answered, without its "\n"
    await appendFile(journalFile(), '{"changes":[{"op":"script","account":"' + ACCOUNT + '","script":{"name":"lost"');
    expect([...(await readState(dir)).account(ACCOUNT).scripts.keys()]).toEqual(["answered"]);

    const second = await openStateStore(dir);
    expect([...second.state.account(ACCOUNT).scripts.keys()]).toEqual(["answered"]);
    second.state.account(ACCOUNT).scripts.set("after", scriptRecordOf(storedScript("after")));
    await second.persister.flush();
    const third = await openStateStore(dir);
    expect([...third.state.account(ACCOUNT).scripts.keys()]).toEqual(["answered", "after"]);
  });

  it("folds the journal into a new snapshot once it outgrows the snapshot, and ignores a journal a kill left behind", async () => {
    const { state, persister } = await openStateStore(dir, { minCompactBytes: 1 });
    const scripts = state.account(ACCOUNT).scripts;
    scripts.set("a", scriptRecordOf(storedScript("a")));
    await persister.flush(); // the journal would outgrow the empty snapshot: this write is a compaction
    expect(await generationOf()).toBe(2);
    expect((await readFile(journalFile(), "utf8")).split("\n")).toEqual(['{"journal":1,"generation":2}', ""]);
    scripts.delete("a");
    await persister.flush(); // a small delete fits beside the snapshot of one script
    expect(await generationOf()).toBe(2);
    expect((await readFile(journalFile(), "utf8")).split("\n")).toHaveLength(3);

    // A kill between a compaction's two renames: the new snapshot (generation 3, holding "b") and the old journal.
    const journal = await readFile(journalFile());
    scripts.set("b", scriptRecordOf(storedScript("b")));
    await persister.flush();
    expect(await generationOf()).toBe(3);
    await writeFile(journalFile(), journal);
    expect([...(await readState(dir)).account(ACCOUNT).scripts.keys()]).toEqual(["b"]);
  });

  it("loads an older data directory's single-file state.json and carries on with a journal", async () => {
    const old = { ...storedScript("old"), versionKey: undefined };
    const v1 = { version: 1, accounts: [{ id: ACCOUNT, namespaces: [{ id: "nsid", name: "kept", createdOn: "c", modifiedOn: "m", scripts: [old] }], scripts: [], spentSessions: [["s1", 4e9]] }] };
    await writeFile(snapshotFile(), JSON.stringify(v1));
    const { state, persister } = await openStateStore(dir);
    const kept = state.account(ACCOUNT).namespaces.get("kept")!;
    expect(kept.id).toBe("nsid");
    expect(kept.scripts.get("old")!.versionKey).toMatch(/^[0-9a-f]{64}$/);
    expect(state.account(ACCOUNT).spentSessions.get("s1")).toBe(4e9);
    // rewritten in the current format, which an older emulator refuses instead of ignoring the journal
    expect(JSON.parse(await readFile(snapshotFile(), "utf8"))).toMatchObject({ version: 2, generation: 1 });
    kept.scripts.set("new", scriptRecordOf(storedScript("new")));
    await persister.flush();
    expect([...(await readState(dir)).account(ACCOUNT).namespaces.get("kept")!.scripts.keys()]).toEqual(["old", "new"]);
  });

  it("refuses a corrupt snapshot or journal with a message that names the file and the way out", async () => {
    const { state, persister } = await openStateStore(dir);
    state.account(ACCOUNT).spentSessions.set("s", 1);
    await persister.flush();
    await appendFile(journalFile(), "not a write\n");
    await expect(readState(dir)).rejects.toThrow(/state\.journal is not a valid emulator journal \(line 3 is not a journaled write\).*another --data/);
    await writeFile(journalFile(), '{"journal":1,"generation":7}\n');
    await expect(readState(dir)).rejects.toThrow(/follows snapshot generation 7.*was state\.json replaced/);
    await writeFile(snapshotFile(), "{not json");
    await expect(readState(dir)).rejects.toThrow(/state\.json is not valid JSON.*another --data/);
    await writeFile(snapshotFile(), JSON.stringify({ version: 3, accounts: [] }));
    await expect(readState(dir)).rejects.toThrow(/not a valid emulator state file/);
  });

  it("coalesces concurrent flushes, each resolving once its changes are on disk", async () => {
    const { state, persister } = await openStateStore(dir);
    const flushes: Promise<void>[] = [];
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      state.account(ACCOUNT).spentSessions.set(`s${i}`, i);
      flushes.push(persister.flush().then(async () => void seen.push((await readState(dir)).account(ACCOUNT).spentSessions.size)));
    }
    await Promise.all(flushes);
    expect((await readState(dir)).account(ACCOUNT).spentSessions.size).toBe(20);
    expect(seen.every((n, i) => n >= i + 1)).toBe(true);
    expect((await readFile(journalFile(), "utf8")).split("\n").length).toBeLessThan(20);
  });
});

/**
 * The durability promise end to end: an emulator process (the built CLI, as `npm test` builds it first) is killed
 * with SIGKILL while PUTs and DELETEs are in flight; a new emulator on the same data directory must hold every
 * change that was answered. Unanswered ones may or may not have landed.
 */
describe("state store under kill -9", () => {
  const REPO = path.resolve(__dirname, "..", "..", "..");

  async function spawnEmulator() {
    const child = spawn(path.join(REPO, "node_modules", ".bin", "node"), [path.join(REPO, "dist", "cli.js"), "emulator", "--port", "0", "--data", dir, "--token", TOKEN, "--quiet"]);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
        const match = /listening on (http:\/\/\S+\/client\/v4)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.once("exit", (code) => reject(new Error(`the emulator exited (${code}) before listening: ${out}`)));
    });
    return { child, exited, url };
  }

  async function call(url: string, method: string, script: string): Promise<number> {
    const init: { method: string; headers: Record<string, string>; body?: FormData } = { method, headers: { authorization: `Bearer ${TOKEN}` } };
    if (method === "PUT") {
      const form = new FormData();
      form.append("metadata", JSON.stringify({ main_module: "index.js", tags: [script] }));
      form.append("index.js", new Blob([WORKER_JS], { type: "application/javascript+module" }), "index.js");
      init.body = form;
    }
    const response = await fetch(`${url}/accounts/${ACCOUNT}/workers/dispatch/namespaces/k/scripts/${script}`, init);
    await response.arrayBuffer();
    return response.status;
  }

  it("keeps every answered PUT and DELETE when the emulator is killed mid-flight", async () => {
    const { child, exited, url } = await spawnEmulator();
    const answered: Array<{ method: string; script: string }> = [];
    try {
      const admin = await fetch(`${url}/accounts/${ACCOUNT}/workers/dispatch/namespaces`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "k" }),
      });
      expect(admin.status).toBe(200);
      for (let i = 0; i < 60; i++) expect(await call(url, "PUT", `old${i}`)).toBe(200);
      // Deletes of the old scripts and PUTs of new ones, 16 in flight, until SIGKILL after 100 answers.
      const work = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 && i / 2 < 60 ? { method: "DELETE", script: `old${i / 2}` } : { method: "PUT", script: `new${i}` }));
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < work.length && child.exitCode === null && child.signalCode === null) {
            const item = work[next++]!;
            const status = await call(url, item.method, item.script).catch(() => undefined);
            if (status === 200) answered.push(item);
            if (answered.length === 100 && !child.killed) child.kill("SIGKILL");
          }
        }),
      );
    } finally {
      if (!child.killed) child.kill("SIGKILL");
      await exited;
    }
    expect(child.signalCode).toBe("SIGKILL");
    expect(answered.length).toBeGreaterThanOrEqual(100);
    expect(answered.length).toBeLessThan(400); // the kill landed mid-flight

    const { emu } = await start({ dataDir: dir });
    try {
      const client = new TestClient(emu);
      for (const { method, script } of answered) {
        const got = await client.call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/k/scripts/${script}`);
        expect(got.status, `${method} ${script} was answered before the kill`).toBe(method === "PUT" ? 200 : 404);
        if (method === "PUT") expect(got.body.result.script.tags).toEqual([script]);
      }
    } finally {
      await emu.close();
    }
  });
});
