import fs from "node:fs/promises";
import path from "node:path";
import fg from "fast-glob";
import { describeFsError, errnoCode, ManifestError } from "./errors.js";
import type { IgnoreRules } from "./ignore-rules.js";
import { tooManyFilesError } from "./limits.js";

/** A regular file found under the assets root, not ignored, not yet read. */
export interface WalkedFile {
  /** posix, relative to the root, no leading slash: `béëp/boo^p.txt` */
  relativePath: string;
  /** Real location of the bytes (symlinks resolved, always inside the root). */
  absolutePath: string;
}

export interface WalkResult {
  files: WalkedFile[];
  /** relative paths dropped by the ignore rules, plus entries that are not regular files (FIFOs, sockets…) */
  ignored: string[];
}

export interface WalkOptions {
  rules: IgnoreRules;
  /** The walk stops with a too-many-files error as soon as one more asset than this is found. */
  maxFiles: number;
}

/** The real directories on the logical path to an entry, one run per level of followed directory links. */
interface PathSegment {
  /** real directory the level's walk started in */
  top: string;
  /** real directory holding the link that led one level deeper */
  bottom: string;
}

interface Level {
  realDirectory: string;
  /** logical path of `realDirectory` relative to the root, with a trailing slash ("" for the root) */
  prefix: string;
  outer: PathSegment[];
}

/**
 * Lists the assets under `rootDirectory` (which must already be a real path): regular files, dotfiles
 * included, minus ignored paths. Symbolic links are followed only while their real target stays inside
 * the root; a link that escapes, dangles or cycles is an error naming it, never silently skipped, because
 * a skipped file is a missing page and an escaping one could publish something private.
 */
export async function walkAssetDirectory(rootDirectory: string, options: WalkOptions): Promise<WalkResult> {
  const files: WalkedFile[] = [];
  const ignored: string[] = [];
  const { rules, maxFiles } = options;

  const addFile = (relativePath: string, absolutePath: string): void => {
    files.push({ relativePath, absolutePath });
    if (files.length > maxFiles) throw tooManyFilesError(rootDirectory, maxFiles);
  };

  const walkLevel = async (level: Level): Promise<void> => {
    // Links are not followed by fast-glob: each one is resolved and checked here, and a linked directory
    // gets a walk of its own, so containment and cycles are decided by real paths.
    const entries = fg.stream("**", {
      cwd: level.realDirectory,
      dot: true,
      onlyFiles: false,
      followSymbolicLinks: false,
      objectMode: true,
      suppressErrors: false,
    }) as AsyncIterable<fg.Entry>;
    try {
      for await (const entry of entries) {
        const dirent = entry.dirent;
        // Directories need no decision: the ignore rules test every file against its parent directories.
        if (dirent.isDirectory()) continue;
        const relativePath = level.prefix + entry.path;
        if (rules.isIgnored(relativePath)) {
          ignored.push(relativePath);
          continue;
        }
        const absolutePath = path.join(level.realDirectory, entry.path);
        if (dirent.isFile()) addFile(relativePath, absolutePath);
        else if (dirent.isSymbolicLink()) await followLink(level, entry.path, relativePath, absolutePath);
        else ignored.push(relativePath); // FIFO, socket, device: no bytes to upload, and reading a FIFO would hang
      }
    } catch (error) {
      if (error instanceof ManifestError) throw error;
      const failedPath = typeof (error as { path?: unknown }).path === "string" ? (error as { path: string }).path : level.realDirectory;
      throw new ManifestError(
        "unreadable-file",
        `Cannot read directory ${failedPath} under ${rootDirectory}: ${describeFsError(error)}. ` +
          `Fix its permissions or move it out of the asset directory.`,
        { path: failedPath, cause: error },
      );
    }
  };

  const followLink = async (level: Level, entryPath: string, relativePath: string, linkPath: string): Promise<void> => {
    const key = `/${relativePath}`;
    let target: string;
    let isDirectory: boolean;
    let isFile: boolean;
    try {
      target = await fs.realpath(linkPath);
      const stats = await fs.stat(target);
      isDirectory = stats.isDirectory();
      isFile = stats.isFile();
    } catch (error) {
      const code = errnoCode(error);
      if (code === "ELOOP") {
        throw new ManifestError(
          "symlink-loop",
          `Symbolic link ${linkPath} (asset ${key}) resolves in a loop (ELOOP). Point it at a file or directory, or remove it.`,
          { path: linkPath, cause: error },
        );
      }
      const reason = code === "ENOENT" ? "it is a broken symbolic link (its target does not exist)" : describeFsError(error);
      throw new ManifestError(
        "unreadable-file",
        `Cannot read ${linkPath} (asset ${key}): ${reason}. Fix or remove the link, or exclude it with .assetsignore or an ignore pattern.`,
        { path: linkPath, cause: error },
      );
    }
    if (isDirectory && rules.isIgnored(relativePath, true)) {
      ignored.push(relativePath);
      return;
    }
    if (!isInsideOrSame(target, rootDirectory)) {
      throw new ManifestError(
        "symlink-escape",
        `Symbolic link ${linkPath} (asset ${key}) points to ${target}, outside the asset directory ${rootDirectory}. ` +
          `Only links that stay inside the directory are followed; copy the target in, or exclude the link with .assetsignore or an ignore pattern.`,
        { path: linkPath },
      );
    }
    if (isFile) {
      addFile(relativePath, target);
      return;
    }
    if (!isDirectory) {
      ignored.push(relativePath);
      return;
    }
    const here: PathSegment = { top: level.realDirectory, bottom: path.join(level.realDirectory, path.dirname(entryPath)) };
    const onPath = [...level.outer, here];
    if (onPath.some((segment) => isInsideOrSame(target, segment.top) && isInsideOrSame(segment.bottom, target))) {
      throw new ManifestError(
        "symlink-loop",
        `Symbolic link ${linkPath} (asset ${key}) points to ${target}, a directory that contains the link itself, ` +
          `so following it would never end. Remove the link or exclude it with .assetsignore or an ignore pattern.`,
        { path: linkPath },
      );
    }
    await walkLevel({ realDirectory: target, prefix: `${relativePath}/`, outer: onPath });
  };

  await walkLevel({ realDirectory: rootDirectory, prefix: "", outer: [] });
  return { files, ignored };
}

/** Whether `candidate` is `directory` or lies below it (both absolute, real paths). */
export function isInsideOrSame(candidate: string, directory: string): boolean {
  const relative = path.relative(directory, candidate);
  return relative === "" || (!relative.startsWith(`..${path.sep}`) && relative !== ".." && !path.isAbsolute(relative));
}
