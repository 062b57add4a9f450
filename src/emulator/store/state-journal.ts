import { type StateChange, journalHeaderSchema, journalLineSchema } from "./state-file.js";
import { type ChangedKey, type EmulatorState, namespaceFields, scriptRecordOf } from "./state.js";

/**
 * The journal's pure parts: the changes one write appends (read from the state as it is at that moment), applying
 * them on load, and reading a journal file's text, whose last line may be torn by a kill mid-append.
 */

const ORDER: Record<ChangedKey["kind"], number> = { account: 0, namespace: 1, script: 2, session: 3 };

/**
 * The changes that bring a stored state up to `state` for the records in `keys`. Accounts come first, then
 * namespaces, then what they hold, so a namespace created again under the same name starts empty before its
 * scripts are applied.
 */
export function changesOf(state: EmulatorState, keys: ChangedKey[]): StateChange[] {
  const changes: StateChange[] = [];
  for (const key of [...keys].sort((a, b) => ORDER[a.kind] - ORDER[b.kind])) {
    const account = state.accounts.get(key.account);
    switch (key.kind) {
      case "account":
        if (account) changes.push({ op: "account", account: key.account });
        break;
      case "namespace": {
        const ns = account?.namespaces.get(key.name);
        changes.push(ns ? { op: "namespace", account: key.account, namespace: namespaceFields(ns) } : { op: "deleteNamespace", account: key.account, name: key.name });
        break;
      }
      case "script": {
        const scripts = key.namespace === undefined ? account?.scripts : account?.namespaces.get(key.namespace)?.scripts;
        if (!scripts) break; // its namespace is gone: the namespace's own change removes it
        const script = scripts.get(key.name);
        const where = { account: key.account, ...(key.namespace === undefined ? {} : { namespace: key.namespace }) };
        changes.push(script ? { op: "script", ...where, script } : { op: "deleteScript", ...where, name: key.name });
        break;
      }
      case "session": {
        const expiresAt = account?.spentSessions.get(key.id);
        changes.push(expiresAt === undefined ? { op: "deleteSession", account: key.account, id: key.id } : { op: "session", account: key.account, id: key.id, expiresAt });
        break;
      }
    }
  }
  return changes;
}

export class CorruptJournalError extends Error {
  constructor(file: string, detail: string) {
    super(`${file} is not a valid emulator journal (${detail}). Move state.json and state.journal away or use another --data directory.`);
    this.name = "CorruptJournalError";
  }
}

/** Applies one journaled change; `source` names the journal in errors. */
export function applyChange(state: EmulatorState, change: StateChange, source: string): void {
  const account = state.account(change.account);
  switch (change.op) {
    case "account":
      return;
    case "namespace": {
      const current = account.namespaces.get(change.namespace.name);
      if (current?.id === change.namespace.id) Object.assign(current, change.namespace);
      else account.namespaces.set(change.namespace.name, { ...change.namespace, scripts: new Map() });
      return;
    }
    case "deleteNamespace":
      account.namespaces.delete(change.name);
      return;
    case "script":
    case "deleteScript": {
      const scripts = change.namespace === undefined ? account.scripts : account.namespaces.get(change.namespace)?.scripts;
      if (!scripts) throw new CorruptJournalError(source, `a script of namespace "${change.namespace}", which it never created`);
      if (change.op === "script") scripts.set(change.script.name, scriptRecordOf(change.script));
      else scripts.delete(change.name);
      return;
    }
    case "session":
      account.spentSessions.set(change.id, change.expiresAt);
      return;
    case "deleteSession":
      account.spentSessions.delete(change.id);
      return;
  }
}

export interface ParsedJournal {
  generation: number;
  /** Each complete line's changes, in the order written. */
  writes: StateChange[][];
  /** Bytes up to the end of the last complete line: what a torn tail is cut back to. */
  completeBytes: number;
  /** Whether bytes follow the last complete line (a write cut off by a kill: it was never answered). */
  torn: boolean;
}

/**
 * Reads a journal file. Every write is one line ending in "\n", appended whole, so only a last line without its
 * "\n" can be torn; it is left out. A complete line that does not parse is corruption, not a torn write.
 */
export function parseJournal(bytes: Buffer, source: string): ParsedJournal {
  const completeBytes = bytes.lastIndexOf(0x0a) + 1;
  const lines = bytes.subarray(0, completeBytes).toString("utf8").split("\n").slice(0, -1);
  const [first, ...rest] = lines;
  if (first === undefined) throw new CorruptJournalError(source, "no header line");
  const header = journalHeaderSchema.safeParse(parseJsonOrUndefined(first));
  if (!header.success) throw new CorruptJournalError(source, "its first line is not a journal header");
  const writes = rest.map((line, i) => {
    const parsed = journalLineSchema.safeParse(parseJsonOrUndefined(line));
    if (!parsed.success) throw new CorruptJournalError(source, `line ${i + 2} is not a journaled write`);
    return parsed.data.changes;
  });
  return { generation: header.data.generation, writes, completeBytes, torn: completeBytes < bytes.length };
}

export function journalHeader(generation: number): string {
  return `${JSON.stringify({ journal: 1, generation })}\n`;
}

export function journalLine(changes: StateChange[]): string {
  return `${JSON.stringify({ changes })}\n`;
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
