/**
 * Unpacks an uploaded archive into a new folder, or refuses it and leaves nothing behind. Every entry passes
 * `SiteBudget.admit` (entry-rules.ts) before anything is written; only plain folders and files are created
 * (never links, never an existing path: `wx`), so no write can land outside `destination`.
 */
import { createWriteStream } from "node:fs";
import { mkdir, open, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { RequestRejected } from "../errors.ts";
import { detectArchive, SNIFF_BYTES, type ArchiveFormat } from "./detect.ts";
import { SiteBudget, type SiteLimits } from "./entry-rules.ts";
import type { EntryHandler } from "./reader.ts";
import { readTarGz } from "./tar-reader.ts";
import { readZip } from "./zip-reader.ts";

export interface ExtractedSite {
  format: ArchiveFormat;
  files: number;
  bytes: number;
}

/**
 * Tar headers, padding and long-name records around the file data: up to a few KiB per entry. Bounds what
 * the gunzip may produce beyond the files' own bytes (files and folders are each capped at `maxFiles`).
 */
const TAR_OVERHEAD_PER_ENTRY = 4096;

async function readHead(file: string): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function notAnArchive(head: Buffer): RequestRejected {
  const hex = [...head].map((byte) => byte.toString(16).padStart(2, "0")).join(" ");
  return new RequestRejected(
    "not-an-archive",
    `the body is not a .tar.gz or .zip archive (it starts with the bytes ${hex || "(none)"}); send the archive file itself as the body, e.g. \`curl -T site.tar.gz <url>\`.`,
  );
}

/** Unpacks `archiveFile` into `destination` (created here; must not exist). On any error `destination` is removed. */
export async function extractArchive(archiveFile: string, destination: string, limits: SiteLimits): Promise<ExtractedSite> {
  const head = await readHead(archiveFile);
  const format = detectArchive(head);
  if (format === undefined) throw notAnArchive(head);

  await mkdir(destination);
  const budget = new SiteBudget(limits);
  const write: EntryHandler = async (entry, openContent) => {
    const admitted = budget.admit(entry);
    if (admitted === undefined) return;
    const target = path.join(destination, ...admitted.path.split("/"));
    if (admitted.kind === "directory") {
      await mkdir(target, { recursive: true });
      return;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await pipeline(await openContent(), createWriteStream(target, { flags: "wx", mode: 0o644 }));
  };
  try {
    if (format === "tar.gz") {
      await readTarGz(archiveFile, write, { maxExpandedBytes: limits.maxSiteBytes + 2 * limits.maxFiles * TAR_OVERHEAD_PER_ENTRY });
    } else {
      await readZip(archiveFile, write, { maxEntries: 2 * limits.maxFiles });
    }
    if (budget.fileCount === 0) {
      throw new RequestRejected("no-files", "the archive holds no files; a site needs at least one (e.g. index.html).");
    }
  } catch (error) {
    await rm(destination, { recursive: true, force: true });
    throw error;
  }
  return { format, files: budget.fileCount, bytes: budget.totalBytes };
}
