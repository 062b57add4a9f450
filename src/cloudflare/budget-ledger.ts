/**
 * The calls other processes made on the same API token, so that separate processes pace themselves as one.
 *
 * Cloudflare counts 1,200 calls per 5 minutes per token, and past that blocks *every* call of the token for five
 * minutes (docs/cloudflare-api.md §15.1). One process paces itself with its RequestBudget, but a budget that lives in one process knows
 * nothing of the next: a `pulumi refresh` right after a `pulumi up` that used the window starts as if the window were
 * empty, and the platform service runs one provider process per tenant stack, several at once. The `Ratelimit` header
 * arrives only with the first answer — too late when that first call is the one over the limit.
 *
 * So every counted call is also appended to a small file per API origin and token (a hash names it; the file holds only
 * times), and each budget reads the lines other processes appended since it last looked. Appends of a line are atomic
 * with O_APPEND. When the file grows past ROTATE_BYTES it is rewritten with only the lines still inside a window; a
 * process reading the old file notices the new one at its next read and reopens it, skipping what it has already seen.
 * A line appended to the old file during a rewrite can be lost: the budget's reserve covers such a miscount.
 */
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
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
}

const ROTATE_BYTES = 256 * 1024;
/** Ledger files untouched for this long describe no current window; they are removed when a ledger opens. */
const STALE_MS = 60 * 60 * 1000;

/** The default folder: next to the project's other caches (PULUMI_WFP_CACHE / XDG_CACHE_HOME / ~/.cache). */
export function defaultLedgerDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.PULUMI_WFP_CACHE ?? path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "pulumi-wfp-assets");
  return path.join(root, "api-budget");
}

export class FileBudgetLedger implements BudgetLedger {
  /** Identifies this process's own lines (a pid can be reused; a random id cannot collide in practice). */
  private readonly self = randomBytes(6).toString("hex");
  private fd: number | undefined;
  private inode = -1;
  private offset = 0;
  private partial = "";
  private firstRead = true;
  /** The latest time read from another process; after a rewrite, older lines are ones already counted. */
  private seenUpTo = Number.NEGATIVE_INFINITY;
  /** Others' lines read just before this process rewrote the file, handed out at the next read. */
  private carried: LedgerNews = { calls: [] };

  constructor(
    private readonly file: string,
    /** How far back the first read looks: the longest window the budget keeps. */
    private readonly horizonMs: number,
    private readonly wallClock: () => number = Date.now,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    pruneStale(path.dirname(file), this.wallClock());
    this.open();
  }

  private open(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(this.file, "a+");
    this.inode = fstatSync(this.fd).ino;
    this.offset = 0;
    this.partial = "";
  }

  news(): LedgerNews {
    const carried = this.carried;
    this.carried = { calls: [] };
    return merge(carried, this.readNew());
  }

  private readNew(): LedgerNews {
    try {
      // Rotated by another process: continue with the new file (from its start).
      let current: number | undefined;
      try {
        current = statSync(this.file).ino;
      } catch {
        current = undefined;
      }
      const reopened = current !== this.inode;
      if (reopened) this.open();
      const size = fstatSync(this.fd!).size;
      if (size <= this.offset) return { calls: [] };
      const buffer = Buffer.alloc(size - this.offset);
      const read = readSync(this.fd!, buffer, 0, buffer.length, this.offset);
      this.offset += read;
      const text = this.partial + buffer.subarray(0, read).toString("utf8");
      const lines = text.split("\n");
      this.partial = lines.pop() ?? "";
      const cutoff = this.firstRead ? this.wallClock() - this.horizonMs : reopened ? this.seenUpTo : Number.NEGATIVE_INFINITY;
      this.firstRead = false;
      const news: LedgerNews = { calls: [] };
      for (const line of lines) {
        const [time = "", who] = line.split(" ");
        if (who === this.self) continue;
        if (time.startsWith("B")) {
          const until = Number(time.slice(1));
          if (Number.isFinite(until)) news.blockedUntil = Math.max(news.blockedUntil ?? 0, until);
          continue;
        }
        const ms = Number(time);
        if (Number.isFinite(ms) && ms > cutoff) {
          news.calls.push(ms);
          if (ms > this.seenUpTo) this.seenUpTo = ms;
        }
      }
      return news;
    } catch {
      return { calls: [] }; // a ledger that cannot be read must not stop a deploy: the process paces on its own
    }
  }

  append(epochMs: number): void {
    this.write(`${Math.round(epochMs)} ${this.self}\n`, epochMs);
  }

  appendBlock(untilEpochMs: number): void {
    this.write(`B${Math.round(untilEpochMs)} ${this.self}\n`, this.wallClock());
  }

  private write(line: string, now: number): void {
    try {
      appendFileSync(this.fd!, line);
      this.maybeRewrite(now);
    } catch {
      // Best effort, as above.
    }
  }

  /** Keeps the file small: past ROTATE_BYTES, only the lines still inside a window are kept (atomic rename). */
  private maybeRewrite(now: number): void {
    if (fstatSync(this.fd!).size < ROTATE_BYTES) return;
    this.carried = merge(this.carried, this.readNew());
    const size = fstatSync(this.fd!).size; // again: readNew may have reopened a file another process rewrote
    const buffer = Buffer.alloc(size);
    const read = readSync(this.fd!, buffer, 0, size, 0);
    const keep = buffer
      .subarray(0, read)
      .toString("utf8")
      .split("\n")
      .filter((line) => Number(line.split(" ")[0]!.replace(/^B/, "")) > now - this.horizonMs);
    const temporary = `${this.file}.${this.self}.tmp`;
    writeFileSync(temporary, keep.length > 0 ? `${keep.join("\n")}\n` : "");
    renameSync(temporary, this.file);
    this.open();
    // Everything in the new file was in the old one, which this process has accounted for already.
    this.offset = fstatSync(this.fd!).size;
  }
}

function merge(a: LedgerNews, b: LedgerNews): LedgerNews {
  const blockedUntil = Math.max(a.blockedUntil ?? 0, b.blockedUntil ?? 0);
  return { calls: [...a.calls, ...b.calls], ...(blockedUntil > 0 ? { blockedUntil } : {}) };
}

function pruneStale(dir: string, now: number): void {
  try {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (now - statSync(file).mtimeMs > STALE_MS) unlinkSync(file);
    }
  } catch {
    // Another process pruned or appended at the same time: harmless.
  }
}
