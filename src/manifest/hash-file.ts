import fs from "node:fs";
import path from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { describeFsError, errnoCode, ManifestError } from "./errors.js";
import { AssetHasher, HASH_CHUNK_SIZE, hashAssetBytes } from "./hash.js";
import type { HashCache } from "./hash-cache.js";
import { assertAssetSize } from "./limits.js";

export interface FileDigest {
  hash: string;
  size: number;
}

/** Hashes one file from disk in aligned chunks (bounded memory); the extension comes from `absolutePath`. */
export async function hashAssetFile(absolutePath: string, hashSalt?: string): Promise<FileDigest> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(absolutePath, "r");
  } catch (error) {
    throw unreadable(absolutePath, absolutePath, error);
  }
  try {
    const buffer = Buffer.allocUnsafe(HASH_CHUNK_SIZE);
    return await hashChunksAsync(
      async (into) => (await handle.read(into, 0, into.length, null)).bytesRead,
      buffer,
      path.extname(absolutePath).slice(1),
      hashSalt,
    );
  } catch (error) {
    throw error instanceof ManifestError ? error : unreadable(absolutePath, absolutePath, error);
  } finally {
    await handle.close();
  }
}

export interface HashJob {
  key: string;
  absolutePath: string;
  extension: string;
}

export interface HashFilesOptions {
  hashSalt?: string;
  /** Large files streamed at the same time (each holds one 192 KiB buffer). */
  concurrency: number;
  /** Hashes remembered by stat (see hash-cache.ts); hits skip the read, new hashes are recorded. */
  cache?: HashCache;
}

/**
 * How long the hashing loop may hold the event loop before it yields (so timers, sockets and the Pulumi
 * engine's gRPC keep running while 20,000 files are hashed).
 */
const SLICE_MS = 10;

/**
 * Hashes every job, results in job order, checking the 25 MiB limit from fstat before reading.
 *
 * Measured (bench/, 20,000 × 4 KiB, warm page cache, 2 cores): a synchronous open/read/close is
 * 2–3× faster per file than any `fs.promises` variant at any concurrency — each async call costs a
 * thread-pool round trip, and hashing is CPU-bound on the main thread anyway. So files that fit one
 * chunk (the vast majority of a site) are read synchronously, in time slices; bigger files are streamed
 * with async reads by up to `concurrency` workers, which bounds memory to `concurrency` chunk buffers.
 */
export async function hashFiles(jobs: readonly HashJob[], options: HashFilesOptions): Promise<FileDigest[]> {
  const results: FileDigest[] = new Array<FileDigest>(jobs.length);
  const syncBuffer = Buffer.allocUnsafe(HASH_CHUNK_SIZE);
  let next = 0;
  let sliceEnd = performance.now() + SLICE_MS;
  let failed = false;

  const worker = async (): Promise<void> => {
    let streamBuffer: Buffer | undefined;
    try {
      // After the first error the others stop taking jobs: the caller gets that error, not more work.
      while (next < jobs.length && !failed) {
        const index = next++;
        const started = startHash(jobs[index]!, syncBuffer, options.hashSalt, options.cache);
        if (typeof started === "function") {
          results[index] = await started((streamBuffer ??= Buffer.allocUnsafe(HASH_CHUNK_SIZE)));
        } else {
          results[index] = started;
        }
        if (performance.now() > sliceEnd) {
          await yieldToEventLoop();
          sliceEnd = performance.now() + SLICE_MS;
        }
      }
    } catch (error) {
      failed = true;
      throw error;
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, jobs.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

type StreamedHash = (buffer: Buffer) => Promise<FileDigest>;

/**
 * Opens and fstats a file; a file that fits one chunk is hashed right away (synchronously, into the shared
 * buffer), a bigger one comes back as a function that streams it with async reads into its own buffer.
 */
function startHash(job: HashJob, syncBuffer: Buffer, hashSalt: string | undefined, cache: HashCache | undefined): FileDigest | StreamedHash {
  if (cache) {
    // One stat instead of open + fstat + close when the file is unchanged (a stat does not open a FIFO either).
    const remembered = rememberedDigest(job, cache);
    if (remembered) return remembered;
  }
  let fd: number;
  try {
    // Non-blocking open: if the path was swapped for a FIFO since the walk, open must not wait for a writer;
    // fstat below then rejects it. No effect on regular files.
    fd = fs.openSync(job.absolutePath, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw unreadable(job.absolutePath, job.key, error);
  }
  let handedOff = false;
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) {
      throw new ManifestError(
        "unreadable-file",
        `Asset ${job.key} (${job.absolutePath}) stopped being a regular file while the directory was read. Run again once it is stable.`,
        { path: job.absolutePath },
      );
    }
    assertAssetSize(stats.size, job.key, job.absolutePath);
    if (stats.size < syncBuffer.length) {
      const digest = hashChunksSync(fd, syncBuffer, job, hashSalt);
      if (digest.size === stats.size) cache?.record(job.key, stats, digest.hash);
      return digest;
    }
    handedOff = true;
    return async (buffer: Buffer) => {
      try {
        const digest = await hashChunksAsync(
          (into) =>
            new Promise<number>((resolve, reject) =>
              fs.read(fd, into, 0, into.length, null, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead))),
            ),
          buffer,
          job.extension,
          hashSalt,
          (size) => assertAssetSize(size, job.key, job.absolutePath),
        );
        if (digest.size === stats.size) cache?.record(job.key, stats, digest.hash);
        return digest;
      } catch (error) {
        throw error instanceof ManifestError ? error : unreadable(job.absolutePath, job.key, error);
      } finally {
        fs.closeSync(fd);
      }
    };
  } catch (error) {
    throw error instanceof ManifestError ? error : unreadable(job.absolutePath, job.key, error);
  } finally {
    if (!handedOff) fs.closeSync(fd);
  }
}

function rememberedDigest(job: HashJob, cache: HashCache): FileDigest | undefined {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(job.absolutePath);
  } catch {
    return undefined; // the full path below reports it
  }
  if (!stats.isFile()) return undefined;
  const hash = cache.lookup(job.key, stats);
  if (hash === undefined) return undefined;
  assertAssetSize(stats.size, job.key, job.absolutePath);
  return { hash, size: stats.size };
}

/**
 * Reads until EOF, not just `stats.size` bytes (the file may have grown since fstat); one chunk or less is
 * hashed in one call. A read of a regular file that returns fewer bytes than asked for has hit EOF, so a
 * small file costs one read instead of two (~10% of the per-file time in bench/).
 */
function hashChunksSync(fd: number, buffer: Buffer, job: HashJob, hashSalt: string | undefined): FileDigest {
  let hasher: AssetHasher | undefined;
  let filled = 0;
  let size = 0;
  try {
    for (;;) {
      const requested = buffer.length - filled;
      const bytesRead = fs.readSync(fd, buffer, filled, requested, null);
      filled += bytesRead;
      size += bytesRead;
      if (bytesRead < requested) break;
      if (filled === buffer.length) {
        assertAssetSize(size, job.key, job.absolutePath);
        (hasher ??= new AssetHasher(job.extension, hashSalt)).update(buffer);
        filled = 0;
      }
    }
    assertAssetSize(size, job.key, job.absolutePath);
    if (!hasher) return { hash: hashAssetBytes(buffer.subarray(0, filled), job.extension, hashSalt), size };
    hasher.update(buffer.subarray(0, filled));
    return { hash: hasher.digest(), size };
  } finally {
    hasher?.dispose();
  }
}

async function hashChunksAsync(
  read: (into: Buffer) => Promise<number>,
  buffer: Buffer,
  extension: string,
  hashSalt: string | undefined,
  checkSize?: (size: number) => void,
): Promise<FileDigest> {
  const hasher = new AssetHasher(extension, hashSalt);
  try {
    for (;;) {
      // Fill the whole buffer before hashing so every chunk but the last is a multiple of 3 bytes.
      let filled = 0;
      while (filled < buffer.length) {
        const bytesRead = await read(buffer.subarray(filled));
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled > 0) hasher.update(buffer.subarray(0, filled));
      checkSize?.(hasher.size);
      if (filled < buffer.length) return { hash: hasher.digest(), size: hasher.size };
    }
  } finally {
    hasher.dispose();
  }
}

function unreadable(absolutePath: string, name: string, error: unknown): ManifestError {
  const label = name === absolutePath ? absolutePath : `asset ${name} (${absolutePath})`;
  const fix = errnoCode(error) === "ENOENT" ? "Run again once the directory is stable." : "Fix its permissions, or exclude it with .assetsignore or an ignore pattern.";
  return new ManifestError("unreadable-file", `Cannot read ${label}: ${describeFsError(error)}. ${fix}`, {
    path: absolutePath,
    cause: error,
  });
}
