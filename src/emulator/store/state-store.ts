import { appendFile, readFile } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { type Snapshot, snapshotSchema } from "./state-file.js";
import { CorruptJournalError, type ParsedJournal, applyChange, changesOf, journalHeader, journalLine, parseJournal } from "./state-journal.js";
import { EmulatorState } from "./state.js";

/**
 * The state on disk: a snapshot (`state.json`, the whole state) plus a journal (`state.journal`) of the records
 * changed since, one line per write. A write appends only what changed, so its cost does not grow with the
 * scripts the emulator holds (it did when every write rewrote the whole state: quadratic over a fleet, see
 * bench/README.md, issue 19). When the journal outgrows the snapshot (and `minCompactBytes`), the next write is a
 * new snapshot instead: each snapshot byte is paid for by at least one journal byte written before it, so the
 * amortized cost per write stays proportional to what changed, and loading reads at most about twice the state.
 *
 * Why a journal and not one file per record: a write that changes several records (a PUT that also spends a
 * session, a delete by tag) is one appended line, applied whole or, if torn, not at all; with a file per record it
 * would be several renames that a kill can split, and the 10,000s of small files would cost a directory scan and a
 * file open each to load.
 *
 * Durability, as before: a write is answered after `appendFile` (or the snapshot's rename) has returned, so an
 * answered write survives a kill -9 of the emulator (the kernel holds the bytes); there is no fsync (store/atomic.ts:
 * the emulator protects against its own crashes, not power loss). A kill mid-append leaves a last line without
 * its "\n": loading ignores it (that write was never answered) and the store starts over from a new snapshot.
 *
 * The journal's header names the snapshot generation it belongs to. A compaction writes the new snapshot (the next
 * generation) first, then a fresh journal; a kill between the two leaves a journal of an older generation, which
 * loading ignores, since the snapshot already holds it.
 */

/** The journal may grow to the snapshot's size, and at least to this, before it is folded into a new snapshot. */
export const MIN_COMPACT_BYTES = 1024 * 1024;

export interface StateStoreOptions {
  /** Lower bound of the journal size that triggers a compaction (tests set it low). */
  minCompactBytes?: number;
}

interface StateFiles {
  snapshot: string;
  journal: string;
}

function stateFiles(dataDir: string): StateFiles {
  return { snapshot: path.join(dataDir, "state.json"), journal: path.join(dataDir, "state.journal") };
}

interface LoadedState {
  state: EmulatorState;
  generation: number;
  /** The snapshot is the current format and the journal a clean one of its generation: nothing to rewrite. */
  clean: boolean;
  snapshotBytes: number;
  journalBytes: number;
}

/**
 * Opens the state of a data directory for an emulator that holds its lock: loads the snapshot and the journal,
 * then, unless they are already a current snapshot and its clean journal, writes a new snapshot (this also cuts a
 * torn tail, turns an older single-file state.json into the current format and starts a fresh journal).
 */
export async function openStateStore(dataDir: string, options: StateStoreOptions = {}): Promise<{ state: EmulatorState; persister: StatePersister }> {
  const files = stateFiles(dataDir);
  const loaded = await load(files);
  const persister = new StatePersister(files, loaded, options.minCompactBytes ?? MIN_COMPACT_BYTES);
  if (!loaded.clean) await persister.compact();
  return { state: loaded.state, persister };
}

/** The state a data directory holds, read only (for tools and tests; the emulator itself uses `openStateStore`). */
export async function readState(dataDir: string): Promise<EmulatorState> {
  return (await load(stateFiles(dataDir))).state;
}

async function load(files: StateFiles): Promise<LoadedState> {
  const snapshotText = await readIfExists(files.snapshot);
  const snapshot = snapshotText === undefined ? undefined : parseSnapshot(snapshotText.toString("utf8"), files.snapshot);
  const generation = snapshot?.version === 2 ? snapshot.generation : 0;
  const state = snapshot ? EmulatorState.fromSnapshot(snapshot) : new EmulatorState();
  const journalBytes = await readIfExists(files.journal);
  const journal = journalBytes === undefined ? undefined : parseJournal(journalBytes, files.journal);
  if (journal && journal.generation > generation) {
    throw new CorruptJournalError(files.journal, `it follows snapshot generation ${journal.generation}, but ${files.snapshot} is generation ${generation}; was state.json replaced?`);
  }
  const current = journal?.generation === generation ? journal : undefined; // an older one is already in the snapshot
  for (const write of current?.writes ?? []) for (const change of write) applyChange(state, change, files.journal);
  state.takeChanges();
  return {
    state,
    generation,
    clean: snapshot?.version === 2 && isFresh(current),
    snapshotBytes: snapshotText?.length ?? 0,
    journalBytes: current?.completeBytes ?? 0,
  };
}

function isFresh(journal: ParsedJournal | undefined): boolean {
  return journal !== undefined && journal.writes.length === 0 && !journal.torn;
}

function parseSnapshot(text: string, file: string): Snapshot {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON. Move it away or use another --data directory.`);
  }
  const parsed = snapshotSchema.safeParse(data);
  if (!parsed.success) {
    throw new Error(`${file} is not a valid emulator state file (${parsed.error.issues[0]?.message ?? "invalid"}). Move it away or use another --data directory.`);
  }
  return parsed.data;
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

type Waiter = { target: number; resolve: () => void; reject: (err: unknown) => void };

/**
 * Coalescing writer: every `flush()` resolves once a write that began after the call has finished, and that write
 * holds every change made before the call (changes are taken from the state when a write begins).
 */
export class StatePersister {
  private requested = 0;
  private running: Promise<void> | undefined;
  private waiters: Waiter[] = [];
  private generation: number;
  private snapshotBytes: number;
  private journalBytes: number;
  /** Set when a write failed: its changes are no longer noted, so only a whole snapshot can be sure to hold them. */
  private mustCompact = false;
  private readonly state: EmulatorState;

  constructor(
    private readonly files: StateFiles,
    loaded: LoadedState,
    private readonly minCompactBytes: number,
  ) {
    this.generation = loaded.generation;
    this.snapshotBytes = loaded.snapshotBytes;
    this.journalBytes = loaded.journalBytes;
    this.state = loaded.state;
  }

  flush(): Promise<void> {
    const target = ++this.requested;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ target, resolve, reject }));
    if (!this.running) this.running = this.loop();
    return done;
  }

  /** Writes the whole state as the next snapshot generation and starts its empty journal. */
  async compact(): Promise<void> {
    this.state.takeChanges(); // the snapshot holds them
    const generation = this.generation + 1;
    const text = JSON.stringify(this.state.toSnapshot(generation));
    await writeFileAtomic(this.files.snapshot, text);
    const header = journalHeader(generation);
    await writeFileAtomic(this.files.journal, header);
    this.generation = generation;
    this.snapshotBytes = Buffer.byteLength(text);
    this.journalBytes = Buffer.byteLength(header);
    this.mustCompact = false;
  }

  private async write(): Promise<void> {
    if (this.mustCompact) return this.compact();
    const changes = changesOf(this.state, this.state.takeChanges());
    if (changes.length === 0) return;
    const line = journalLine(changes);
    const bytes = Buffer.byteLength(line);
    if (this.journalBytes + bytes > Math.max(this.minCompactBytes, this.snapshotBytes)) return this.compact();
    await appendFile(this.files.journal, line);
    this.journalBytes += bytes;
  }

  private async loop(): Promise<void> {
    while (this.waiters.length > 0) {
      const upTo = this.requested; // every flush() so far: this write holds their changes
      const settle = (act: (w: Waiter) => void) => {
        const ready = this.waiters.filter((w) => w.target <= upTo);
        this.waiters = this.waiters.filter((w) => w.target > upTo);
        ready.forEach(act);
      };
      try {
        await this.write();
        settle((w) => w.resolve());
      } catch (err) {
        this.mustCompact = true;
        settle((w) => w.reject(err));
      }
    }
    this.running = undefined;
  }
}
