import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";

/**
 * A file's hash remembered by its stat, so an unchanged site is not read and hashed again on every
 * `pulumi preview` / `up` (hashing is most of the program's own work for a big site: ~1.3 s for 20,000 × 4 KiB).
 *
 * When is a remembered hash trusted? Only when the file's identity and timestamps are exactly those seen when it
 * was hashed (device, inode, size, mtime, ctime), AND that hash was only remembered if the file's mtime and ctime
 * were already `TIMESTAMP_MARGIN_MS` older than the moment hashing started. The second rule is what makes it
 * correct under timestamp granularity: a write after the read gets a ctime no older than "hashing started" minus
 * the clock's granularity (a few ms on Linux, 2 s for FAT mtimes), which therefore differs from the remembered one.
 * A file written just before or while it was hashed is simply hashed again next time. ctime cannot be set by
 * tools (unlike mtime, which `touch -d`, `cp -p` or rsync restore), so restoring an mtime does not fool it either.
 *
 * Not covered: a network file system whose clock is more than the margin behind this machine's. Set
 * WFP_ASSETS_HASH_CACHE=off there. A wrong remembered hash can never put wrong bytes under a hash at Cloudflare:
 * the upload re-hashes every file it sends and stops with "changed-during-deploy" on a mismatch.
 */
export const TIMESTAMP_MARGIN_MS = 3000;

/**
 * Bumped whenever the hash scheme or the file format changes; older files are ignored. 2: one flat array of
 * `key, size, mtimeMs, ctimeMs, ino, dev, hash` runs instead of an object of 6-element arrays (JSON.parse of a
 * 100,000-file site's cache 185 → ~100 ms, and no 100,000 small arrays kept for the build; bench/README.md, site-100k).
 */
const FORMAT_VERSION = 2;
/** Values per file in `entries`: key, size, mtimeMs, ctimeMs, ino, dev, hash. */
const STRIDE = 7;
/**
 * Cache files kept (one per asset directory and salt: a TenantSites stack of 2,000 tenants needs 2,000); the least
 * recently written go first, and files not written for MAX_AGE_DAYS go anyway. (At 1,000 a fleet of more tenants
 * evicted its own files every run and never hit the cache: bench/README.md, tenants.)
 */
const MAX_CACHE_FILES = 10_000;
const MAX_AGE_DAYS = 30;
/** A program saves one cache file per tenant: listing the folder after each save would make a fleet quadratic. */
const PRUNE_INTERVAL_MS = 60_000;
let lastPrune = Number.NEGATIVE_INFINITY;

/**
 * The file's outer shape is checked with zod; its entries (100,000 runs for a big site) one by one when looked up,
 * because a zod pass over all of them costs more than the cache saves on a small site.
 */
const cacheFileSchema = z.object({
  version: z.literal(FORMAT_VERSION),
  entries: z.custom<unknown[]>((value) => Array.isArray(value) && value.length % STRIDE === 0, "entries must be runs of 7 values"),
});

const HASH_PATTERN = /^[0-9a-f]{32}$/;

/** Where the cache lives: the option, overridden by WFP_ASSETS_HASH_CACHE (`off`/`0`/`false`, or a directory). */
export function resolveHashCacheDirectory(option: boolean | string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.WFP_ASSETS_HASH_CACHE?.trim();
  if (fromEnv !== undefined && fromEnv !== "") {
    if (/^(off|0|false|no)$/i.test(fromEnv)) return undefined;
    if (option !== undefined && option !== false) return path.resolve(fromEnv);
  }
  if (option === undefined || option === false) return undefined;
  if (typeof option === "string") return path.resolve(option);
  const base = env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), ".cache");
  return path.join(base, "pulumi-wfp-assets", "hashes");
}

export class HashCache {
  hits = 0;
  /** What this build saw: the runs in `entries` it used, and the new runs it recorded (key → size … hash). */
  private readonly usedRuns: number[] = [];
  private readonly recorded = new Map<string, readonly [number, number, number, number, number, string]>();

  private constructor(
    private readonly file: string,
    /** The cache file's runs, as read. */
    private readonly entries: readonly unknown[],
    /** key → index of its run in `entries` */
    private readonly known: Map<string, number>,
    /** Files whose timestamps are older than this may be remembered. */
    private readonly rememberBeforeMs: number,
  ) {}

  /**
   * One cache file per asset directory (real path) and salt, named by a digest of both so neither appears in
   * the name. A missing, unreadable or malformed file is an empty cache: the cache only ever saves work.
   */
  static open(cacheDirectory: string, root: string, hashSalt: string | undefined, startedMs: number): HashCache {
    const name = createHash("sha256").update(`${root}\0${hashSalt ?? ""}`).digest("hex").slice(0, 32);
    const file = path.join(cacheDirectory, `${name}.json`);
    let entries: unknown[] = [];
    const known = new Map<string, number>();
    try {
      const parsed = cacheFileSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
      if (parsed.success) entries = parsed.data.entries;
    } catch {
      // no cache yet, or not readable: start empty
    }
    for (let at = 0; at < entries.length; at += STRIDE) {
      const key = entries[at];
      if (typeof key === "string") known.set(key, at);
    }
    return new HashCache(file, entries, known, startedMs - TIMESTAMP_MARGIN_MS);
  }

  /** The remembered hash of `key`, if the file is exactly as it was when hashed. */
  lookup(key: string, stats: fs.Stats): string | undefined {
    const at = this.known.get(key);
    if (at === undefined) return undefined;
    const e = this.entries;
    const hash = e[at + 6];
    const same = e[at + 1] === stats.size && e[at + 2] === stats.mtimeMs && e[at + 3] === stats.ctimeMs && e[at + 4] === stats.ino && e[at + 5] === stats.dev;
    if (!same || typeof hash !== "string" || !HASH_PATTERN.test(hash)) return undefined;
    this.hits++;
    this.usedRuns.push(at);
    return hash;
  }

  /** Remembers a hash computed from the bytes read after `stats` was taken, if the file was already settled. */
  record(key: string, stats: fs.Stats, hash: string): void {
    if (stats.mtimeMs >= this.rememberBeforeMs || stats.ctimeMs >= this.rememberBeforeMs) return;
    this.recorded.set(key, [stats.size, stats.mtimeMs, stats.ctimeMs, stats.ino, stats.dev, hash]);
  }

  /** Writes what this build saw (entries of files no longer present are dropped), atomically; errors are ignored. */
  save(): void {
    if (this.recorded.size === 0 && this.usedRuns.length === this.known.size) return;
    const temporary = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    try {
      const runs: unknown[] = [];
      for (const at of this.usedRuns) for (let i = 0; i < STRIDE; i++) runs.push(this.entries[at + i]);
      for (const [key, run] of this.recorded) runs.push(key, ...run);
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      fs.writeFileSync(temporary, JSON.stringify({ version: FORMAT_VERSION, entries: runs }), { mode: 0o600 });
      fs.renameSync(temporary, this.file);
      if (Date.now() - lastPrune >= PRUNE_INTERVAL_MS) {
        lastPrune = Date.now();
        pruneCacheDirectory(path.dirname(this.file));
      }
    } catch {
      fs.rmSync(temporary, { force: true });
    }
  }
}

/** Sites come and go (temp dirs, renamed projects): keeps the directory bounded. */
function pruneCacheDirectory(directory: string): void {
  const files = fs
    .readdirSync(directory)
    .filter((name) => /^[0-9a-f]{32}\.json$/.test(name))
    .map((name) => ({ file: path.join(directory, name), mtimeMs: fs.statSync(path.join(directory, name)).mtimeMs }))
    .sort((a, b) => a.mtimeMs - b.mtimeMs);
  const tooOld = Date.now() - MAX_AGE_DAYS * 24 * 3600 * 1000;
  files.forEach(({ file, mtimeMs }, index) => {
    if (mtimeMs < tooOld || index < files.length - MAX_CACHE_FILES) fs.rmSync(file, { force: true });
  });
}
