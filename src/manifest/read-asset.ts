import fs from "node:fs/promises";
import { closeSync, constants, fstatSync, openSync, read, readSync } from "node:fs";
import { describeFsError, errnoCode, ManifestError } from "./errors.js";
import { AssetHasher, HASH_CHUNK_SIZE, hashAssetBytes } from "./hash.js";
import type { AssetFile } from "./types.js";

/**
 * Reads one asset for upload as base64 text, re-hashing the bytes: Cloudflare stores whatever is sent under
 * the manifest's hash without checking it, so a file edited between the manifest and the upload would be
 * served with content that does not match its hash (and poison that hash namespace-wide). Such a change is
 * reported as "changed-during-deploy" instead.
 */
export async function readAssetBase64(file: AssetFile, hashSalt?: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file.absolutePath);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") throw changed(file, "it was deleted");
    throw unreadable(file, error);
  }
  if (bytes.length !== file.size) throw changed(file, `its size went from ${file.size} to ${bytes.length} bytes`);
  if (hashAssetBytes(bytes, file.extension, hashSalt) !== file.hash) throw changed(file, "its content no longer matches its hash");
  return bytes.toString("base64");
}

/** Length of the base64 text (standard alphabet, `=` padding) of `size` raw bytes. */
export function base64Length(size: number): number {
  return Math.ceil(size / 3) * 4;
}

/**
 * The asset's base64 text as a stream, read from disk and encoded while it is consumed, so an upload holds one
 * chunk (192 KiB raw, a multiple of 3 bytes, so the chunks' texts concatenate to the file's text) instead of the
 * whole file twice over. The same checks as readAssetBase64: the bytes are re-hashed on the way, and a file that
 * changed since the manifest errors the stream with "changed-during-deploy" *before its last chunk is released*,
 * so a consumer that stops on the error never sends a complete copy of wrong content.
 */
export function assetBase64Stream(
  file: AssetFile,
  hashSalt?: string,
  /** Told the error before the stream fails with it (a consumer such as an HTTP body loses the cause). */
  onError?: (error: ManifestError) => void,
): ReadableStream<Uint8Array> {
  const reader = new AssetChunkReader(file, hashSalt);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: AssetChunk | undefined;
      try {
        chunk = await reader.next();
      } catch (error) {
        onError?.(error as ManifestError);
        throw error;
      }
      if (chunk === undefined) return; // cancelled while reading
      if (!chunk.last || chunk.text.length > 0) controller.enqueue(chunk.text);
      if (chunk.last) controller.close();
    },
    cancel() {
      reader.cancel();
    },
    // No read-ahead: the file is opened on the first read, and one chunk at most is in memory.
  }, { highWaterMark: 0 });
}

/**
 * The read size for a file: one chunk, or for a file that fits one chunk one byte more than expected, so that a full
 * read means the file grew.
 */
export function chunkSizeFor(size: number): number {
  return Math.min(HASH_CHUNK_SIZE, size + 1);
}

/**
 * What one read says about the file: it grew past the manifest's size, there is more to read, this was the last chunk,
 * or the chunk ended exactly at the expected size, so one more read must confirm the end before the chunk goes out.
 */
export type ChunkVerdict = "grew" | "more" | "end" | "confirm-end";

export function chunkVerdict(expectedSize: number, total: number, bytesRead: number, chunkSize: number): ChunkVerdict {
  if (total > expectedSize) return "grew";
  if (bytesRead < chunkSize) return "end";
  return total === expectedSize ? "confirm-end" : "more";
}

interface AssetChunk {
  /** base64 text of the chunk */
  text: Buffer;
  /** the file is read to its end and its size and hash are checked */
  last: boolean;
}

/** One asset read chunk by chunk, re-hashed on the way; holds the file descriptor, one read buffer and the hasher. */
class AssetChunkReader {
  private fd: number | undefined;
  private buffer: Buffer | undefined;
  private hasher: AssetHasher | undefined;
  private total = 0;
  private readonly chunkSize: number;
  // A read may still be filling the buffer when the consumer cancels: the buffer is then released by that read.
  private pulling = false;
  private cancelled = false;

  constructor(
    private readonly file: AssetFile,
    private readonly hashSalt: string | undefined,
  ) {
    this.chunkSize = chunkSizeFor(file.size);
  }

  /** The next chunk; undefined if the consumer cancelled during the read. Fails with a ManifestError, resources released. */
  async next(): Promise<AssetChunk | undefined> {
    this.pulling = true;
    try {
      const fd = this.fd ?? this.open();
      const into = this.buffer!;
      const bytesRead = await this.fill(fd, into);
      if (this.cancelled) {
        this.release();
        return undefined;
      }
      this.total += bytesRead;
      const verdict = chunkVerdict(this.file.size, this.total, bytesRead, this.chunkSize);
      if (verdict === "grew") throw changed(this.file, `its size went from ${this.file.size} to at least ${this.total} bytes`);
      if (verdict === "confirm-end" && readSync(fd, Buffer.allocUnsafe(1), 0, 1, null) > 0) {
        throw changed(this.file, `its size went from ${this.file.size} to at least ${this.file.size + 1} bytes`);
      }
      const text = Buffer.from(into.toString("base64", 0, bytesRead), "latin1");
      this.hasher!.updateEncoded(text, bytesRead);
      const last = verdict !== "more";
      // Checked before the last chunk is released, so a consumer that stops on the error never sends wrong content whole.
      if (last) this.finish();
      return { text, last };
    } catch (error) {
      this.release();
      throw error instanceof ManifestError ? error : unreadable(this.file, error);
    } finally {
      this.pulling = false;
    }
  }

  cancel(): void {
    this.cancelled = true;
    if (!this.pulling) this.release();
  }

  private open(): number {
    let opened: number;
    try {
      // Non-blocking open, as in hash-file.ts: a path swapped for a FIFO must not hang the upload.
      opened = openSync(this.file.absolutePath, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (error) {
      throw errnoCode(error) === "ENOENT" ? changed(this.file, "it was deleted") : unreadable(this.file, error);
    }
    this.fd = opened;
    if (!fstatSync(opened).isFile()) throw changed(this.file, "it is no longer a regular file");
    this.buffer = acquireReadBuffer();
    this.hasher = new AssetHasher(this.file.extension, this.hashSalt);
    return opened;
  }

  /**
   * Fills one chunk until it is full or a read comes back short (end of file for a regular file). Files of one chunk or
   * less (most of a site) are read with one synchronous read, as the manifest hashes them; bigger files asynchronously.
   */
  private async fill(fd: number, into: Buffer): Promise<number> {
    if (this.chunkSize > this.file.size) return readSync(fd, into, 0, this.chunkSize, null);
    let filled = 0;
    while (filled < this.chunkSize) {
      const bytesRead = await readAsync(fd, into, filled, this.chunkSize);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled;
  }

  /** At the end of the file: the size and the hash must be the manifest's. */
  private finish(): void {
    if (this.total !== this.file.size) throw changed(this.file, `its size went from ${this.file.size} to ${this.total} bytes`);
    const hash = this.hasher!.digest();
    this.hasher = undefined;
    if (hash !== this.file.hash) throw changed(this.file, "its content no longer matches its hash");
    this.release();
  }

  private release(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.hasher?.dispose();
    this.hasher = undefined;
    if (this.buffer !== undefined) releaseReadBuffer(this.buffer);
    this.buffer = undefined;
  }
}

function readAsync(fd: number, into: Buffer, offset: number, end: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, into, offset, end - offset, null, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead))));
}

/**
 * Read buffers are reused across files: an upload reads ~20,000 small files, and a fresh buffer each (plus its
 * base64 copy) is native memory that lingers until the next garbage collection, which is most of what an
 * upload adds to the process's RSS. A buffer is released only once nothing refers to its bytes any more.
 */
const spareReadBuffers: Buffer[] = [];
const MAX_SPARE_READ_BUFFERS = 8;

function acquireReadBuffer(): Buffer {
  return spareReadBuffers.pop() ?? Buffer.allocUnsafeSlow(HASH_CHUNK_SIZE);
}

function releaseReadBuffer(buffer: Buffer): void {
  if (spareReadBuffers.length < MAX_SPARE_READ_BUFFERS) spareReadBuffers.push(buffer);
}

function unreadable(file: AssetFile, error: unknown): ManifestError {
  return new ManifestError(
    "unreadable-file",
    `Cannot read asset ${file.key} (${file.absolutePath}) for upload: ${describeFsError(error)}. Fix its permissions and deploy again.`,
    { path: file.absolutePath, cause: error },
  );
}

function changed(file: AssetFile, what: string): ManifestError {
  return new ManifestError(
    "changed-during-deploy",
    `Asset ${file.key} (${file.absolutePath}) changed while it was being deployed: ${what}. ` +
      `Let the build finish writing the directory, then deploy again.`,
    { path: file.absolutePath },
  );
}
