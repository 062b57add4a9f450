import { open, readFile, rm } from "node:fs/promises";
import path from "node:path";

/**
 * One emulator per data directory: two processes writing the same state file would lose each other's updates.
 * The lock file holds the owner's pid; a lock left by a dead process is taken over.
 */
export class DataDirLockedError extends Error {
  constructor(dataDir: string, pid: number) {
    super(`Data directory ${dataDir} is in use by another emulator (pid ${pid}). Stop it or choose another --data directory.`);
    this.name = "DataDirLockedError";
  }
}

export async function acquireDataDirLock(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, "emulator.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number.parseInt(await readFile(file, "utf8").catch(() => ""), 10);
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) throw new DataDirLockedError(dataDir, owner);
      await rm(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new Error(`Could not lock data directory ${dataDir}; remove ${file} if no emulator is running.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
