/**
 * What an archive may contain, as pure checks over the entries the readers report (tar-reader.ts,
 * zip-reader.ts). The readers never write; extract.ts writes only what `SiteBudget.admit` accepted, so
 * every rule here is enforced before a byte reaches the disk.
 */
import { RequestRejected } from "../errors.ts";
import { formatBytes } from "../wfp.ts";

export type EntryKind = "file" | "directory" | "symlink" | "hard-link" | "device" | "fifo" | "socket" | "other";

/** One archive member as a reader sees it, before any check. */
export interface ArchiveEntry {
  /** The name as stored (decoded to a string). */
  name: string;
  kind: EntryKind;
  /** Declared content size in bytes (0 for folders). */
  size: number;
  /** Link target, for the message about a link. */
  linkTarget?: string;
  /** The archive's own type name for `other` entries (e.g. a tar "SparseFile"). */
  typeName?: string;
  encrypted?: boolean;
}

export interface SiteLimits {
  /** Per file (Cloudflare's asset limit). */
  maxFileBytes: number;
  /** Files per site (Cloudflare's per-version limit); folders are capped at the same number. */
  maxFiles: number;
  /** All files together: the guard against an archive that expands far past its own size. */
  maxSiteBytes: number;
}

/** A site-relative path such as `assets/app.css`, or a folder. */
export interface AdmittedEntry {
  path: string;
  kind: "file" | "directory";
  size: number;
}

/** Longest accepted path and path segment, in UTF-8 bytes (a segment is a file name on disk: 255 on ext4). */
export const MAX_PATH_BYTES = 1024;
export const MAX_SEGMENT_BYTES = 255;

// Control characters make names that logs, terminals and URLs mangle; no site needs them.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

function quoted(name: string): string {
  return JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
}

const PACK_HINT = "pack the site from inside its folder, e.g. `tar czf site.tar.gz -C public .` or `cd public && zip -r ../site.zip .`";

/**
 * Turns an entry name into a path inside the site folder ("" for the archive's root folder itself).
 * Refuses — never rewrites — anything that could land outside the folder.
 */
export function sitePath(name: string): string {
  if (name.length === 0) throw new RequestRejected("invalid-path", `an archive entry has an empty name; ${PACK_HINT}.`);
  if (CONTROL_CHARACTERS.test(name)) {
    throw new RequestRejected("invalid-path", `archive entry ${quoted(name)} has a control character in its name; rename the file.`);
  }
  if (name.includes("\\")) {
    throw new RequestRejected("invalid-path", `archive entry ${quoted(name)} has a backslash in its name; use "/" between folders and rename the file.`);
  }
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) {
    throw new RequestRejected("absolute-path", `archive entry ${quoted(name)} is an absolute path; entries must be relative to the site's root: ${PACK_HINT}.`);
  }
  const segments = name.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) {
    throw new RequestRejected("path-traversal", `archive entry ${quoted(name)} has a ".." segment and would leave the site's folder; ${PACK_HINT}.`);
  }
  for (const segment of segments) {
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
      throw new RequestRejected("invalid-path", `archive entry ${quoted(name)} has a name part longer than ${MAX_SEGMENT_BYTES} bytes; shorten it.`);
    }
  }
  const path = segments.join("/");
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
    throw new RequestRejected("invalid-path", `archive entry ${quoted(name)} has a path longer than ${MAX_PATH_BYTES} bytes; shorten it.`);
  }
  return path;
}

function refuseKind(entry: ArchiveEntry): never {
  const name = quoted(entry.name);
  switch (entry.kind) {
    case "symlink":
      throw new RequestRejected(
        "symlink",
        `archive entry ${name} is a symbolic link${entry.linkTarget ? ` to ${quoted(entry.linkTarget)}` : ""}; links are refused because they can point outside the site. Put the file itself in the archive (tar --dereference, or zip without -y).`,
      );
    case "hard-link":
      throw new RequestRejected(
        "hard-link",
        `archive entry ${name} is a hard link${entry.linkTarget ? ` to ${quoted(entry.linkTarget)}` : ""}; links are refused. Put the file itself in the archive (tar --hard-dereference).`,
      );
    case "device":
    case "fifo":
    case "socket":
      throw new RequestRejected("special-file", `archive entry ${name} is a ${entry.kind === "device" ? "device file" : entry.kind}; a site holds only files and folders.`);
    default:
      throw new RequestRejected(
        "special-file",
        `archive entry ${name} has the unsupported type ${entry.typeName ?? "unknown"}; a site holds only regular files and folders.`,
      );
  }
}

/**
 * The running totals of one archive: admits each entry or throws the rejection that names it. One instance per
 * archive; it also refuses a path that appears twice, or as both a file and a folder, so the writer never
 * has to decide which one wins.
 */
export class SiteBudget {
  private readonly limits: SiteLimits;
  private readonly files = new Set<string>();
  private readonly folders = new Set<string>();
  private explicitFolders = 0;
  private bytes = 0;

  constructor(limits: SiteLimits) {
    this.limits = limits;
  }

  get fileCount(): number {
    return this.files.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** Undefined for the root folder entry ("./"), which needs nothing. */
  admit(entry: ArchiveEntry): AdmittedEntry | undefined {
    if (entry.kind !== "file" && entry.kind !== "directory") refuseKind(entry);
    const path = sitePath(entry.name);
    if (entry.encrypted) {
      throw new RequestRejected("encrypted-entry", `archive entry ${quoted(entry.name)} is encrypted; upload an archive without a password.`);
    }
    if (entry.kind === "directory") {
      if (path === "") return undefined;
      this.checkNoFileAt(path, entry.name);
      if (++this.explicitFolders > this.limits.maxFiles) {
        throw new RequestRejected("too-many-files", `the archive holds more than ${this.limits.maxFiles.toLocaleString("en-US")} folders; a site may have at most that many files, and folders are capped alike.`);
      }
      this.addFolders(path);
      return { path, kind: "directory", size: 0 };
    }
    if (path === "") throw new RequestRejected("invalid-path", `archive entry ${quoted(entry.name)} is a file without a name.`);
    if (this.files.has(path)) {
      throw new RequestRejected("duplicate-path", `the archive holds ${quoted(path)} twice; keep one copy.`);
    }
    if (this.folders.has(path)) {
      throw new RequestRejected("duplicate-path", `${quoted(path)} is both a folder and a file in the archive; rename one of them.`);
    }
    this.checkNoFileAt(parentOf(path), entry.name);
    if (this.files.size + 1 > this.limits.maxFiles) {
      throw new RequestRejected(
        "too-many-files",
        `the archive holds more than ${this.limits.maxFiles.toLocaleString("en-US")} files, the most a site may have here (Cloudflare's limit per worker version, or the platform's own PLATFORM_MAX_FILES); remove files from the site.`,
      );
    }
    if (entry.size > this.limits.maxFileBytes) {
      throw new RequestRejected(
        "file-too-large",
        `archive entry ${quoted(path)} is ${formatBytes(entry.size)} (${entry.size} bytes); Cloudflare accepts files of up to ${formatBytes(this.limits.maxFileBytes)} (${this.limits.maxFileBytes} bytes) each. Shrink or split it.`,
      );
    }
    if (this.bytes + entry.size > this.limits.maxSiteBytes) {
      throw new RequestRejected(
        "site-too-large",
        `the archive expands to more than ${formatBytes(this.limits.maxSiteBytes)}, this service's limit for one site (reached at ${quoted(path)}); upload a smaller site.`,
      );
    }
    this.bytes += entry.size;
    this.files.add(path);
    this.addFolders(parentOf(path));
    return { path, kind: "file", size: entry.size };
  }

  /** Throws when `folder` or one of its parents was admitted as a file. */
  private checkNoFileAt(folder: string, name: string): void {
    for (let current = folder; current !== ""; current = parentOf(current)) {
      if (this.files.has(current)) {
        throw new RequestRejected("duplicate-path", `archive entry ${quoted(name)} puts a folder where the file ${quoted(current)} is; rename one of them.`);
      }
    }
  }

  private addFolders(folder: string): void {
    for (let current = folder; current !== "" && !this.folders.has(current); current = parentOf(current)) this.folders.add(current);
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}
