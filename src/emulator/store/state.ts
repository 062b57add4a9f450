import { type ScriptRecord, computeVersionKey } from "../model/script-record.js";
import type { Snapshot, StoredScript } from "./state-file.js";

/**
 * The emulator's metadata: namespaces, scripts (with references to their manifest and module objects) and spent
 * upload sessions. Held in memory as Maps (names are client input; a plain object would let "__proto__" alias
 * the prototype). Mutations are synchronous, so concurrent requests never interleave inside one.
 *
 * The state notes which records changed since the last write, so the store writes only those
 * (store/state-store.ts): every Map here records its `set`/`delete`/`clear` itself. A record changed in place
 * (a script's tags or settings) is not seen by its Map: its route says so with `touch(record)`.
 */

export interface NamespaceRecord {
  id: string;
  name: string;
  createdOn: string;
  modifiedOn: string;
  scripts: Map<string, ScriptRecord>;
}

export interface AccountRecord {
  namespaces: Map<string, NamespaceRecord>;
  scripts: Map<string, ScriptRecord>;
  /** Upload sessions whose assets were attached to a script, with the session's expiry (epoch seconds). */
  spentSessions: Map<string, number>;
}

/** A record that changed since the last write, by where it lives; its content is read when the write happens. */
export type ChangedKey =
  | { kind: "account"; account: string }
  | { kind: "namespace"; account: string; name: string }
  | { kind: "script"; account: string; namespace: string | undefined; name: string }
  | { kind: "session"; account: string; id: string };

interface Hooks<K, V> {
  changed(key: K): void;
  /** Called on every `set` before `changed`, to start tracking a value's own Maps. */
  adopt?(key: K, value: V): void;
}

/** A Map that reports which keys were set or deleted. */
class TrackedMap<K, V> extends Map<K, V> {
  private readonly hooks: Hooks<K, V>;

  constructor(hooks: Hooks<K, V>) {
    super(); // no entries: Map's constructor would call `set` before `hooks` exists
    this.hooks = hooks;
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    this.hooks.adopt?.(key, value);
    this.hooks.changed(key);
    return this;
  }

  override delete(key: K): boolean {
    const had = super.delete(key);
    if (had) this.hooks.changed(key);
    return had;
  }

  override clear(): void {
    const keys = [...this.keys()];
    super.clear();
    for (const key of keys) this.hooks.changed(key);
  }
}

export class EmulatorState {
  private changes = new Map<string, ChangedKey>();
  /** Where each script record is held, for `touch`. */
  private readonly locations = new WeakMap<ScriptRecord, { account: string; namespace: string | undefined }>();
  readonly accounts: Map<string, AccountRecord> = new TrackedMap<string, AccountRecord>({
    changed: (account) => this.note({ kind: "account", account }),
    adopt: (account, record) => this.adoptAccount(account, record),
  });

  /** The account's record, created on first use (any syntactically valid account id exists). */
  account(id: string): AccountRecord {
    let account = this.accounts.get(id);
    if (!account) {
      account = { namespaces: new Map(), scripts: new Map(), spentSessions: new Map() };
      this.accounts.set(id, account);
    }
    return account;
  }

  /** Notes that `record`, changed in place, must be written again (a no-op once it is no longer held). */
  touch(record: ScriptRecord): void {
    const at = this.locations.get(record);
    if (at) this.note({ kind: "script", account: at.account, namespace: at.namespace, name: record.name });
  }

  /** The records changed since the last call, in the order they first changed. */
  takeChanges(): ChangedKey[] {
    const taken = [...this.changes.values()];
    this.changes = new Map();
    return taken;
  }

  /** Forgets spent sessions whose JWTs have expired anyway. */
  pruneSpentSessions(nowSeconds: number): void {
    for (const account of this.accounts.values()) {
      for (const [sid, exp] of account.spentSessions) if (exp <= nowSeconds) account.spentSessions.delete(sid);
    }
  }

  /** Every object id a script references (modules and manifests), for garbage collection. */
  referencedObjects(): Set<string> {
    const refs = new Set<string>();
    const add = (script: ScriptRecord) => {
      if (script.manifestRef) refs.add(script.manifestRef);
      for (const m of script.modules) refs.add(m.object);
    };
    for (const account of this.accounts.values()) {
      account.scripts.forEach(add);
      for (const ns of account.namespaces.values()) ns.scripts.forEach(add);
    }
    return refs;
  }

  toSnapshot(generation: number): Snapshot {
    return {
      version: 2,
      generation,
      accounts: [...this.accounts].map(([id, a]) => ({
        id,
        namespaces: [...a.namespaces.values()].map((ns) => ({ ...namespaceFields(ns), scripts: [...ns.scripts.values()] })),
        scripts: [...a.scripts.values()],
        spentSessions: [...a.spentSessions],
      })),
    };
  }

  /** The state a snapshot holds, with nothing noted as changed. */
  static fromSnapshot(snapshot: Snapshot): EmulatorState {
    const state = new EmulatorState();
    for (const a of snapshot.accounts) {
      const account = state.account(a.id);
      for (const ns of a.namespaces) {
        account.namespaces.set(ns.name, { ...namespaceFields(ns), scripts: new Map(ns.scripts.map((s) => [s.name, scriptRecordOf(s)])) });
      }
      for (const s of a.scripts) account.scripts.set(s.name, scriptRecordOf(s));
      for (const [sid, exp] of a.spentSessions) account.spentSessions.set(sid, exp);
    }
    state.takeChanges();
    return state;
  }

  private note(key: ChangedKey): void {
    this.changes.set(JSON.stringify(Object.values(key)), key);
  }

  /** Swaps an account's plain Maps for tracked ones (with the same entries, noted as changed). */
  private adoptAccount(account: string, record: AccountRecord): void {
    if (record.namespaces instanceof TrackedMap) return;
    record.namespaces = this.tracked(record.namespaces, {
      changed: (name) => this.note({ kind: "namespace", account, name }),
      adopt: (name, ns) => {
        if (!(ns.scripts instanceof TrackedMap)) ns.scripts = this.scriptMap(ns.scripts, account, name);
      },
    });
    record.scripts = this.scriptMap(record.scripts, account, undefined);
    record.spentSessions = this.tracked(record.spentSessions, { changed: (id) => this.note({ kind: "session", account, id }) });
  }

  private scriptMap(from: Map<string, ScriptRecord>, account: string, namespace: string | undefined): Map<string, ScriptRecord> {
    return this.tracked(from, {
      changed: (name) => this.note({ kind: "script", account, namespace, name }),
      adopt: (_name, record) => this.locations.set(record, { account, namespace }),
    });
  }

  private tracked<K, V>(from: Map<K, V>, hooks: Hooks<K, V>): Map<K, V> {
    const map = new TrackedMap<K, V>(hooks);
    for (const [key, value] of from) map.set(key, value);
    return map;
  }
}

export function namespaceFields(ns: Pick<NamespaceRecord, "id" | "name" | "createdOn" | "modifiedOn">) {
  return { id: ns.id, name: ns.name, createdOn: ns.createdOn, modifiedOn: ns.modifiedOn };
}

/** A stored script as held in memory; records saved before the version key existed get it derived. */
export function scriptRecordOf(stored: StoredScript): ScriptRecord {
  return { ...stored, versionKey: stored.versionKey ?? computeVersionKey(stored) };
}
