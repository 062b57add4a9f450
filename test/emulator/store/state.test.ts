import { describe, expect, it } from "vitest";
import { computeVersionKey } from "../../../src/emulator/model/script-record.js";
import { EmulatorState, scriptRecordOf } from "../../../src/emulator/store/state.js";
import { ACCOUNT } from "../helpers.js";
import { storedScript } from "./records.js";

describe("EmulatorState", () => {
  it("notes every record set or deleted in its Maps, once each, and namespaces' scripts by namespace", () => {
    const state = new EmulatorState();
    const account = state.account(ACCOUNT);
    account.namespaces.set("ns", { id: "id", name: "ns", createdOn: "c", modifiedOn: "m", scripts: new Map() });
    // the namespace's own Map was swapped for a tracked one: a script set in it is noted with the namespace
    account.namespaces.get("ns")!.scripts.set("a", scriptRecordOf(storedScript("a")));
    account.namespaces.get("ns")!.scripts.set("a", scriptRecordOf(storedScript("a", ["again"])));
    account.scripts.set("w", scriptRecordOf(storedScript("w")));
    account.spentSessions.set("s1", 5);
    expect(state.takeChanges()).toEqual([
      { kind: "account", account: ACCOUNT },
      { kind: "namespace", account: ACCOUNT, name: "ns" },
      { kind: "script", account: ACCOUNT, namespace: "ns", name: "a" },
      { kind: "script", account: ACCOUNT, namespace: undefined, name: "w" },
      { kind: "session", account: ACCOUNT, id: "s1" },
    ]);
    expect(state.takeChanges()).toEqual([]);
    account.scripts.delete("w");
    account.scripts.delete("never-there");
    account.spentSessions.clear();
    expect(state.takeChanges()).toEqual([
      { kind: "script", account: ACCOUNT, namespace: undefined, name: "w" },
      { kind: "session", account: ACCOUNT, id: "s1" },
    ]);
  });

  it("notes a record changed in place only when touched, and not once it is no longer held", () => {
    const state = new EmulatorState();
    const record = scriptRecordOf(storedScript("a"));
    state.account(ACCOUNT).scripts.set("a", record);
    state.takeChanges();
    record.tags = ["changed"];
    expect(state.takeChanges()).toEqual([]);
    state.touch(record);
    expect(state.takeChanges()).toEqual([{ kind: "script", account: ACCOUNT, namespace: undefined, name: "a" }]);
    state.touch(scriptRecordOf(storedScript("stranger")));
    expect(state.takeChanges()).toEqual([]);
  });

  it("loads a snapshot with nothing noted, keeping names such as __proto__ as keys", () => {
    const state = new EmulatorState();
    state.account(ACCOUNT).namespaces.set("__proto__", { id: "id", name: "__proto__", createdOn: "c", modifiedOn: "m", scripts: new Map() });
    state.account(ACCOUNT).spentSessions.set("s1", 123);
    const loaded = EmulatorState.fromSnapshot(state.toSnapshot(3));
    expect(loaded.takeChanges()).toEqual([]);
    expect(loaded.toSnapshot(3)).toEqual(state.toSnapshot(3));
    expect(loaded.accounts.get(ACCOUNT)!.namespaces.get("__proto__")!.id).toBe("id");
  });

  it("derives the version key of scripts saved before it existed", () => {
    const script = storedScript("old");
    const loaded = scriptRecordOf(script);
    expect(loaded.versionKey).toBe(computeVersionKey(script));
    expect(loaded.versionKey).toMatch(/^[0-9a-f]{64}$/);
    expect(computeVersionKey({ ...script, assetConfig: {} })).not.toBe(loaded.versionKey);
  });

  it("prunes expired spent sessions", () => {
    const state = new EmulatorState();
    state.account(ACCOUNT).spentSessions.set("old", 10).set("new", 1000);
    state.pruneSpentSessions(500);
    expect([...state.account(ACCOUNT).spentSessions.keys()]).toEqual(["new"]);
  });
});
