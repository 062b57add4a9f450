/**
 * Reads a .tar.gz with node-tar's parser, one entry at a time. The gzip layer is ours (zlib) so that every
 * decompressed byte is counted: a compression bomb stops at `maxExpandedBytes`, not at the disk's end.
 */
import { createReadStream } from "node:fs";
import { Transform, type TransformCallback } from "node:stream";
import { createGunzip } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { RequestRejected } from "../errors.ts";
import { formatBytes } from "../wfp.ts";
import { looksCompressed, SNIFF_BYTES } from "./detect.ts";
import type { ArchiveEntry, EntryKind } from "./entry-rules.ts";
import type { EntryHandler } from "./reader.ts";

const KINDS: Record<string, EntryKind> = {
  File: "file",
  OldFile: "file",
  ContiguousFile: "file",
  Directory: "directory",
  SymbolicLink: "symlink",
  Link: "hard-link",
  CharacterDevice: "device",
  BlockDevice: "device",
  FIFO: "fifo",
};

/** Counts decompressed bytes and refuses a second compression layer (node-tar would silently undo it). */
class ExpansionGuard extends Transform {
  private seen = 0;
  private head: Buffer | undefined = Buffer.alloc(0);
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    super();
    this.maxBytes = maxBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.maxBytes) {
      callback(
        new RequestRejected(
          "site-too-large",
          `the archive expands to more than ${formatBytes(this.maxBytes)}, this service's limit for one unpacked site; it may be a compression bomb. Upload a smaller site.`,
        ),
      );
      return;
    }
    if (this.head !== undefined) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length >= SNIFF_BYTES) {
        const nested = looksCompressed(this.head);
        this.head = undefined;
        if (nested) {
          callback(new RequestRejected("nested-compression", "the .tar.gz holds another compressed file instead of a tar archive; compress the tar once (tar czf)."));
          return;
        }
      }
    }
    callback(null, chunk);
  }
}

function corrupt(error: unknown): RequestRejected {
  if (error instanceof RequestRejected) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RequestRejected("corrupt-archive", `the body starts like a .tar.gz but cannot be read as one (${message}); create it with \`tar czf site.tar.gz -C <folder> .\`.`);
}

function describe(entry: ReadEntry): ArchiveEntry {
  const kind = KINDS[entry.type] ?? "other";
  return {
    name: entry.path,
    kind,
    size: entry.size ?? 0,
    ...(entry.linkpath ? { linkTarget: entry.linkpath } : {}),
    ...(kind === "other" ? { typeName: entry.type } : {}),
  };
}

export function readTarGz(file: string, onEntry: EntryHandler, options: { maxExpandedBytes: number }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const source = createReadStream(file);
    const gunzip = createGunzip();
    const guard = new ExpansionGuard(options.maxExpandedBytes);
    let failed = false;
    let chain: Promise<void> = Promise.resolve();
    let current: ReadEntry | undefined;
    /** `fromArchive`: the error is about the bytes (a 400), not about this machine (a disk error: 500). */
    const fail = (error: unknown, fromArchive: boolean): void => {
      if (failed) return;
      failed = true;
      source.destroy();
      gunzip.destroy();
      guard.destroy();
      parser.abort(error instanceof Error ? error : new Error(String(error)));
      // An entry cut off mid-content never ends by itself: end it, so the file being written is closed.
      // (The no-op listener: an entry nobody reads has no other, and an unheard 'error' would crash the process.)
      current?.on("error", () => {}).destroy(new Error("the archive could not be read to the end"));
      // Settle only once the handler in progress has stopped, so nothing is written after the caller cleans up.
      const settle = (): void => reject(fromArchive ? corrupt(error) : error);
      chain.then(settle, settle);
    };
    // strict: every warning (bad checksum, truncated input, not a tar at all) is an error, never a skip.
    // zstd/brotli off: the only decompression is the gunzip above, which the guard counts.
    const parser = new Parser({
      strict: true,
      zstd: false,
      brotli: false,
      onReadEntry: (entry: ReadEntry) => {
        chain = chain.then(async () => {
          if (failed) return;
          current = entry;
          let opened = false;
          await onEntry(describe(entry), async () => {
            opened = true;
            return entry;
          });
          if (!opened) entry.resume();
        });
        chain.catch((error: unknown) => fail(error, false));
      },
    });
    parser.on("error", (error: unknown) => fail(error, true));
    parser.on("end", () => {
      chain.then(
        () => {
          if (!failed) resolve();
        },
        (error: unknown) => fail(error, false),
      );
    });
    source.on("error", (error) => fail(error, false));
    gunzip.on("error", (error) => fail(error, true));
    guard.on("error", (error) => fail(error, true));
    source.pipe(gunzip).pipe(guard).pipe(parser);
  });
}
