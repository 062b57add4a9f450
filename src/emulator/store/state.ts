import { readFile } from "node:fs/promises";
import { z } from "zod";
import { type ScriptRecord, computeVersionKey } from "../model/script-record.js";
import { writeFileAtomic } from "./atomic.js";

/**
 * The emulator's metadata: namespaces, scripts (with references to their manifest and module objects) and spent
 * upload sessions. Held in memory as Maps (names are client input; a plain object would let "__proto__" alias
 * the prototype) and persisted to one JSON file after every mutation. Mutations are synchronous, so concurrent
 * requests never interleave inside one; `flush` coalesces the writes that pile up while one is in flight.
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

const moduleSchema = z.object({ name: z.string(), contentType: z.string(), object: z.string(), size: z.number() });
const scriptSchema = z.object({
  name: z.string(),
  etag: z.string(),
  // Absent in state files written before it existed; derived on load.
  versionKey: z.string().optional(),
  createdOn: z.string(),
  modifiedOn: z.string(),
  deploymentId: z.string(),
  mainModule: z.string().optional(),
  bodyPart: z.string().optional(),
  modules: z.array(moduleSchema),
  manifestRef: z.string().optional(),
  assetCount: z.number(),
  assetConfig: z.record(z.string(), z.unknown()),
  bindings: z.array(z.record(z.string(), z.unknown())),
  compatibilityDate: z.string().optional(),
  compatibilityFlags: z.array(z.string()),
  tags: z.array(z.string()),
  usageModel: z.string(),
  settings: z.record(z.string(), z.unknown()),
  lastDeployedFrom: z.string().optional(),
  puts: z.number(),
});
const stateFileSchema = z.object({
  version: z.literal(1),
  accounts: z.array(
    z.object({
      id: z.string(),
      namespaces: z.array(
        z.object({ id: z.string(), name: z.string(), createdOn: z.string(), modifiedOn: z.string(), scripts: z.array(scriptSchema) }),
      ),
      scripts: z.array(scriptSchema),
      spentSessions: z.array(z.tuple([z.string(), z.number()])),
    }),
  ),
});
type StateFile = z.infer<typeof stateFileSchema>;

export class EmulatorState {
  readonly accounts = new Map<string, AccountRecord>();

  /** The account's record, created on first use (any syntactically valid account id exists). */
  account(id: string): AccountRecord {
    let account = this.accounts.get(id);
    if (!account) {
      account = { namespaces: new Map(), scripts: new Map(), spentSessions: new Map() };
      this.accounts.set(id, account);
    }
    return account;
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

  toJSON(): StateFile {
    return {
      version: 1,
      accounts: [...this.accounts].map(([id, a]) => ({
        id,
        namespaces: [...a.namespaces.values()].map((ns) => ({
          id: ns.id,
          name: ns.name,
          createdOn: ns.createdOn,
          modifiedOn: ns.modifiedOn,
          scripts: [...ns.scripts.values()],
        })),
        scripts: [...a.scripts.values()],
        spentSessions: [...a.spentSessions],
      })),
    };
  }

  static fromJSON(data: unknown, source: string): EmulatorState {
    const parsed = stateFileSchema.safeParse(data);
    if (!parsed.success) {
      throw new Error(`${source} is not a valid emulator state file (${parsed.error.issues[0]?.message ?? "invalid"}). Move it away or use another --data directory.`);
    }
    const state = new EmulatorState();
    const withKey = (s: z.infer<typeof scriptSchema>): ScriptRecord => ({ ...s, versionKey: s.versionKey ?? computeVersionKey(s) });
    for (const a of parsed.data.accounts) {
      const account = state.account(a.id);
      for (const ns of a.namespaces) {
        account.namespaces.set(ns.name, { ...ns, scripts: new Map(ns.scripts.map((s) => [s.name, withKey(s)])) });
      }
      for (const s of a.scripts) account.scripts.set(s.name, withKey(s));
      for (const [sid, exp] of a.spentSessions) account.spentSessions.set(sid, exp);
    }
    return state;
  }
}

export async function loadState(file: string): Promise<EmulatorState> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return new EmulatorState();
    throw err;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON. Move it away or use another --data directory.`);
  }
  return EmulatorState.fromJSON(data, file);
}

/** Coalescing writer: every `flush()` resolves once a write that began after the call has finished. */
export class StatePersister {
  private requested = 0;
  private running: Promise<void> | undefined;
  private waiters: Array<{ target: number; resolve: () => void; reject: (err: unknown) => void }> = [];

  constructor(
    private readonly file: string,
    private readonly state: EmulatorState,
  ) {}

  flush(): Promise<void> {
    const target = ++this.requested;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ target, resolve, reject }));
    if (!this.running) this.running = this.loop();
    return done;
  }

  private async loop(): Promise<void> {
    let completed = 0;
    while (completed < this.requested) {
      const generation = this.requested;
      try {
        await writeFileAtomic(this.file, JSON.stringify(this.state.toJSON()));
        completed = generation;
        this.settle((w) => w.target <= generation, (w) => w.resolve());
      } catch (err) {
        completed = generation;
        this.settle((w) => w.target <= generation, (w) => w.reject(err));
      }
    }
    this.running = undefined;
  }

  private settle(match: (w: StatePersister["waiters"][number]) => boolean, act: (w: StatePersister["waiters"][number]) => void): void {
    const ready = this.waiters.filter(match);
    this.waiters = this.waiters.filter((w) => !match(w));
    ready.forEach(act);
  }
}
