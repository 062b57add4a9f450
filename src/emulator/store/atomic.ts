import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Writes `data` to `file` so readers (and a restart after a crash) see either the old or the new content, never
 * a torn file: write a uniquely named sibling, then rename over the target (atomic within one file system).
 * No fsync: the emulator protects against its own crashes, not power loss.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, data, mode === undefined ? undefined : { mode });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

let tempCounter = 0;
const tempPrefix = randomBytes(4).toString("hex");

/** A unique path inside `dir` for a file that will later be renamed into place (a counter: cheap per file). */
export function tempPath(dir: string, label: string): string {
  return path.join(dir, `${label}.${process.pid}.${tempPrefix}.${++tempCounter}.tmp`);
}
