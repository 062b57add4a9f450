import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";

/**
 * Temp directories for one test file; every directory made through `tempDir()` is removed after each test
 * (permissions restored first, so a chmod 000 fixture cannot leak).
 */
export function useTempDirs(): { tempDir(prefix?: string): Promise<string> } {
  const made: string[] = [];
  afterEach(async () => {
    for (const dir of made.splice(0)) {
      await restorePermissions(dir);
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
  return {
    async tempDir(prefix = "manifest-") {
      // realpath: os.tmpdir() may itself be a link (macOS), and the manifest reports real paths.
      const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
      made.push(dir);
      return dir;
    },
  };
}

/** Writes files (parent directories created); keys are posix paths relative to `root`. Shared with the other suites. */
export { writeTree } from "../fixtures/sites.mjs";

/** Makes every directory and file owner-accessible again, top-down (a directory must be opened before its entries). */
async function restorePermissions(dir: string): Promise<void> {
  await fs.chmod(dir, 0o700).catch(() => undefined);
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await restorePermissions(full);
    else if (entry.isFile()) await fs.chmod(full, 0o600).catch(() => undefined);
  }
}

/** Whether the process can read files regardless of permissions (root), which makes chmod-based tests moot. */
export function ignoresFilePermissions(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}
