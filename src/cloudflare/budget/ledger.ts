/**
 * The calls other processes make on the same API token, so that processes running at the same time pace themselves
 * as one. Off unless asked for (`apiBudgetShare`, src/cloudflare/transport-settings.ts): one process — a whole stack,
 * every tenant of a TenantSites included — is paced by its own RequestBudget, and a run after it learns what is left
 * from the server's `Ratelimit` header with its first answer. Several processes on one token *at the same time*
 * (parallel stacks, the platform service's deploys) each start from an empty window and would sum past Cloudflare's
 * 1,200 calls per 5 minutes (docs/cloudflare-api.md §15.1), whose penalty is a five-minute block of every call.
 *
 * Layout: per API origin and token (a hash names them; the files hold only times) one file per five-minute slot,
 * `<hash>.<slot>.log`, with lines `<epoch ms> <process id>` for a call and `B<until epoch ms> <process id>` for a 429
 * block. A process appends each line to the file of the line's own slot (O_APPEND: one small write, never torn or
 * interleaved) and reads the files of the slots its horizon covers, each from where it stopped. No file is ever
 * rewritten or renamed, so no process's append can be lost to another's housekeeping (bench/budget-ledger.mjs
 * measures it); a file is deleted once it has not been written for an hour, when every line in it has left every
 * window.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, statSync, unlinkSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { homedir } from "node:os";
import path from "node:path";

/** What others did on the token since this process last looked. Wall-clock epoch milliseconds throughout. */
export interface LedgerNews {
  /** When calls of other processes started. */
  calls: number[];
  /** The latest end of a 429 block another process was told of. */
  blockedUntil?: number;
}

/** What a RequestBudget needs of a ledger (processes share no monotonic clock, so times are epoch milliseconds). */
export interface BudgetLedger {
  /** What other processes recorded since the last call (at the first call: within the horizon before now). */
  news(): LedgerNews;
  /** Records a call this process starts. */
  append(epochMs: number): void;
  /** Records a 429 block this process was told of, so every process on the token waits it out. */
  appendBlock(untilEpochMs: number): void;
  /** Releases the files (the budget stops sharing, or shares elsewhere). */
  close(): void;
}

/** Slot length: a file holds the lines of one slot; a horizon of 10 minutes reads three. */
export const LEDGER_SLOT_MS = 5 * 60 * 1000;
/** Files not written for this long hold no line any window still needs; the horizon never reaches further. */
export const LEDGER_KEEP_MS = 60 * 60 * 1000;
/** The ledger's own files (and those of earlier versions: `<hash>.log`, `<hash>.log.<id>.tmp`), and nothing else. */
const LEDGER_FILE = /^[0-9a-f]{32}(\.\d+\.log|\.log|\.log\.[0-9a-f]+\.tmp)$/;

/** The default folder: next to the project's other caches (PULUMI_WFP_CACHE / XDG_CACHE_HOME / ~/.cache). */
export function defaultLedgerDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.PULUMI_WFP_CACHE ?? path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "pulumi-wfp-assets");
  return path.join(root, "api-budget");
}

interface SlotReader {
  fd: number;
  offset: number;
  /** The start of a line whose end has not been written yet. */
  partial: string;
}

export class FileBudgetLedger implements BudgetLedger {
  /** Identifies this process's own lines (a pid can be reused; a random id cannot collide in practice). */
  private readonly self = randomBytes(6).toString("hex");
  private readonly horizonMs: number;
  private readonly readers = new Map<number, SlotReader>();
  private appendFd: number | undefined;
  private appendSlot = Number.NaN;

  constructor(
    /** The folder and the token's hash: files are `<dir>/<hash>.<slot>.log`. */
    private readonly dir: string,
    private readonly hash: string,
    /** How far back reads look: the longest window the budget keeps (at most LEDGER_KEEP_MS). */
    horizonMs: number,
    private readonly wallClock: () => number = Date.now,
  ) {
    this.horizonMs = Math.min(horizonMs, LEDGER_KEEP_MS);
    mkdirSync(dir, { recursive: true });
    pruneStale(dir, this.wallClock());
  }

  news(): LedgerNews {
    const now = this.wallClock();
    const cutoff = now - this.horizonMs;
    const first = slotOf(cutoff);
    const news: LedgerNews = { calls: [] };
    for (const [slot, reader] of this.readers) {
      if (slot >= first) continue;
      closeSync(reader.fd);
      this.readers.delete(slot);
    }
    for (let slot = first; slot <= slotOf(now); slot++) {
      try {
        this.readSlot(slot, cutoff, news);
      } catch {
        // A ledger that cannot be read must not stop a deploy: the process paces on its own.
      }
    }
    return news;
  }

  append(epochMs: number): void {
    this.write(slotOf(epochMs), `${Math.round(epochMs)} ${this.self}\n`);
  }

  appendBlock(untilEpochMs: number): void {
    this.write(slotOf(this.wallClock()), `B${Math.round(untilEpochMs)} ${this.self}\n`);
  }

  close(): void {
    for (const reader of this.readers.values()) closeQuietly(reader.fd);
    this.readers.clear();
    if (this.appendFd !== undefined) closeQuietly(this.appendFd);
    this.appendFd = undefined;
    this.appendSlot = Number.NaN;
  }

  private fileOf(slot: number): string {
    return path.join(this.dir, `${this.hash}.${slot}.log`);
  }

  /** Reads what was appended to the slot's file since the last read (the file may not exist yet). */
  private readSlot(slot: number, cutoff: number, news: LedgerNews): void {
    let reader = this.readers.get(slot);
    if (!reader) {
      let fd: number;
      try {
        fd = openSync(this.fileOf(slot), "r");
      } catch {
        return; // nobody has written in this slot yet
      }
      this.readers.set(slot, (reader = { fd, offset: 0, partial: "" }));
    }
    const size = fstatSync(reader.fd).size;
    if (size <= reader.offset) return;
    const buffer = Buffer.alloc(size - reader.offset);
    const read = readSync(reader.fd, buffer, 0, buffer.length, reader.offset);
    reader.offset += read;
    const lines = (reader.partial + buffer.toString("utf8", 0, read)).split("\n");
    reader.partial = lines.pop() ?? "";
    for (const line of lines) this.take(line, cutoff, news);
  }

  /** One line of another process into `news` (this process's own lines, and calls outside the horizon, are skipped). */
  private take(line: string, cutoff: number, news: LedgerNews): void {
    const [time = "", who] = line.split(" ");
    if (who === this.self) return;
    if (time.startsWith("B")) {
      const until = Number(time.slice(1));
      if (Number.isFinite(until)) news.blockedUntil = Math.max(news.blockedUntil ?? 0, until);
      return;
    }
    const ms = Number(time);
    if (Number.isFinite(ms) && ms > cutoff) news.calls.push(ms);
  }

  private write(slot: number, line: string): void {
    try {
      if (slot !== this.appendSlot) {
        if (this.appendFd !== undefined) closeQuietly(this.appendFd);
        this.appendFd = undefined;
        this.appendSlot = Number.NaN;
        pruneStale(this.dir, this.wallClock());
        this.appendFd = openSync(this.fileOf(slot), "a");
        this.appendSlot = slot;
      }
      writeSync(this.appendFd!, line);
    } catch {
      // Best effort, as reading: a process that cannot record still paces itself.
    }
  }
}

function slotOf(epochMs: number): number {
  return Math.floor(epochMs / LEDGER_SLOT_MS);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing left to release.
  }
}

/** Deletes the ledger's files (only those) that nobody has written for LEDGER_KEEP_MS. */
function pruneStale(dir: string, now: number): void {
  try {
    for (const name of readdirSync(dir)) {
      if (!LEDGER_FILE.test(name)) continue;
      const file = path.join(dir, name);
      if (now - statSync(file).mtimeMs > LEDGER_KEEP_MS) unlinkSync(file);
    }
  } catch {
    // Another process pruned or appended at the same time: harmless.
  }
}
