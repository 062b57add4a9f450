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
 *
 * Files of one chunk or less (most of a site) are read with one synchronous read, as the manifest hashes them;
 * bigger files with asynchronous reads.
 */
export function assetBase64Stream(
  file: AssetFile,
  hashSalt?: string,
  /** Told the error before the stream fails with it (a consumer such as an HTTP body loses the cause). */
  onError?: (error: ManifestError) => void,
): ReadableStream<Uint8Array> {
  let fd: number | undefined;
  let buffer: Buffer | undefined;
  let hasher: AssetHasher | undefined;
  let total = 0;
  // A read may still be filling the buffer when the consumer cancels: the buffer is then released by that read.
  let pulling = false;
  let cancelled = false;

  const release = (): void => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    hasher?.dispose();
    if (buffer !== undefined) releaseReadBuffer(buffer);
    buffer = undefined;
  };

  const open = (): number => {
    let opened: number;
    try {
      // Non-blocking open, as in hash-file.ts: a path swapped for a FIFO must not hang the upload.
      opened = openSync(file.absolutePath, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (error) {
      throw errnoCode(error) === "ENOENT" ? changed(file, "it was deleted") : unreadable(file, error);
    }
    fd = opened;
    if (!fstatSync(opened).isFile()) throw changed(file, "it is no longer a regular file");
    buffer = acquireReadBuffer();
    hasher = new AssetHasher(file.extension, hashSalt);
    return opened;
  };

  // One byte more than expected for a file that fits one chunk: a full read then means the file grew.
  const chunkSize = Math.min(HASH_CHUNK_SIZE, file.size + 1);

  /** Fills one chunk until it is full or a read comes back short (end of file for a regular file). */
  const fill = async (handle: number, into: Buffer): Promise<number> => {
    if (chunkSize <= file.size) {
      let filled = 0;
      while (filled < chunkSize) {
        const bytesRead = await readAsync(handle, into, filled, chunkSize);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled;
    }
    return readSync(handle, into, 0, chunkSize, null);
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      pulling = true;
      try {
        const handle = fd ?? open();
        const into = buffer!;
        const bytesRead = await fill(handle, into);
        if (cancelled) {
          release();
          return;
        }
        total += bytesRead;
        if (total > file.size) throw changed(file, `its size went from ${file.size} to at least ${total} bytes`);
        let atEnd = bytesRead < chunkSize;
        if (!atEnd && total === file.size) {
          // Exactly the expected size so far: hold the last chunk back until a read confirms the end.
          if (readSync(handle, Buffer.allocUnsafe(1), 0, 1, null) > 0) throw changed(file, `its size went from ${file.size} to at least ${file.size + 1} bytes`);
          atEnd = true;
        }
        const text = Buffer.from(into.toString("base64", 0, bytesRead), "latin1");
        hasher!.updateEncoded(text, bytesRead);
        if (!atEnd) {
          controller.enqueue(text);
          return;
        }
        if (total !== file.size) throw changed(file, `its size went from ${file.size} to ${total} bytes`);
        const hash = hasher!.digest();
        hasher = undefined;
        if (hash !== file.hash) throw changed(file, "its content no longer matches its hash");
        release();
        if (text.length > 0) controller.enqueue(text);
        controller.close();
      } catch (error) {
        release();
        const failure = error instanceof ManifestError ? error : unreadable(file, error);
        onError?.(failure);
        throw failure;
      } finally {
        pulling = false;
      }
    },
    cancel() {
      cancelled = true;
      if (!pulling) release();
    },
    // No read-ahead: the file is opened on the first read, and one chunk at most is in memory.
  }, { highWaterMark: 0 });
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
