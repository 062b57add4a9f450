/**
 * Reads a .zip with yauzl, one entry at a time (central directory first, so the entry count is known before
 * anything is read). Names are decoded by yauzl but validated by entry-rules.ts, so a bad name gets this
 * service's message; sizes are checked against the declared ones as the data streams (validateEntrySizes).
 */
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import yauzl from "yauzl";
import { RequestRejected } from "../errors.ts";
import type { ArchiveEntry, EntryKind } from "./entry-rules.ts";
import type { EntryHandler } from "./reader.ts";

const openZip = promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open);

/** "Made by" host 3 = Unix: only then do the upper 16 bits of the external attributes hold a st_mode. */
const UNIX_HOST = 3;
const S_IFMT = 0o170000;
const MODE_KINDS: Record<number, EntryKind> = {
  0o100000: "file",
  0o040000: "directory",
  0o120000: "symlink",
  0o020000: "device",
  0o060000: "device",
  0o010000: "fifo",
  0o140000: "socket",
};

function corrupt(error: unknown): RequestRejected {
  if (error instanceof RequestRejected) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RequestRejected("corrupt-archive", `the body starts like a .zip but cannot be read as one (${message}); create it with \`cd <folder> && zip -r ../site.zip .\`.`);
}

export function entryKind(name: string, versionMadeBy: number, externalFileAttributes: number): { kind: EntryKind; typeName?: string } {
  const fileType = (externalFileAttributes >>> 16) & S_IFMT;
  if (versionMadeBy >> 8 === UNIX_HOST && fileType !== 0) {
    const kind = MODE_KINDS[fileType];
    return kind ? { kind } : { kind: "other", typeName: `unix mode 0o${fileType.toString(8)}` };
  }
  return { kind: name.endsWith("/") ? "directory" : "file" };
}

function describe(entry: yauzl.Entry): ArchiveEntry {
  // strictFileNames off: yauzl turns "\" into "/" (what Windows tools meant); every other check is ours.
  const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
  return { name, ...entryKind(name, entry.versionMadeBy, entry.externalFileAttributes), size: entry.uncompressedSize, encrypted: entry.isEncrypted() };
}

export async function readZip(file: string, onEntry: EntryHandler, options: { maxEntries: number }): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    // decodeStrings off: yauzl would refuse bad names with its own message before we could see them.
    zip = await openZip(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false });
  } catch (error) {
    throw corrupt(error);
  }
  try {
    if (zip.entryCount > options.maxEntries) {
      throw new RequestRejected(
        "too-many-files",
        `the archive holds ${zip.entryCount.toLocaleString("en-US")} entries, more than the ${options.maxEntries.toLocaleString("en-US")} files and folders a site may have; remove files from the site.`,
      );
    }
    const openStream = promisify<yauzl.Entry, NodeJS.ReadableStream>(zip.openReadStream.bind(zip));
    /** The entry's data, with its read errors (a size that differs from the declared one…) as `corrupt-archive`. */
    const content = async (entry: yauzl.Entry): Promise<AsyncIterable<Uint8Array>> => {
      let stream: NodeJS.ReadableStream;
      try {
        stream = await openStream(entry);
      } catch (error) {
        throw corrupt(error);
      }
      const out = new PassThrough();
      stream.on("error", (error: unknown) => out.destroy(corrupt(error)));
      return stream.pipe(out);
    };
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      let inFlight: Promise<void> = Promise.resolve();
      const fail = (error: unknown, fromArchive: boolean): void => {
        if (failed) return;
        failed = true;
        // Settle only once the handler in progress has stopped, so nothing is written after the caller cleans up.
        const settle = (): void => reject(fromArchive ? corrupt(error) : error);
        inFlight.then(settle, settle);
      };
      zip.on("entry", (entry: yauzl.Entry) => {
        if (failed) return;
        inFlight = onEntry(describe(entry), () => content(entry));
        inFlight.then(
          () => {
            if (!failed) zip.readEntry();
          },
          (error: unknown) => fail(error, false),
        );
      });
      zip.on("end", () => {
        if (!failed) resolve();
      });
      zip.on("error", (error: unknown) => fail(error, true));
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}
