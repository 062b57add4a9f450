/**
 * The platform-service tests' archive fixtures, built in memory. Tar headers come from node-tar's own
 * `Header`/`Pax` encoders. Zips are written here, stored or deflated with zlib, because the tests need what
 * no zip writer will produce on purpose: "../" names, absolute names, symlink and device modes, entries
 * whose declared size lies. The service reads both with libraries (tar, yauzl); nothing here is used by it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { crc32, deflateRawSync, gzipSync } from "node:zlib";
import { Header, Pax, type HeaderData } from "tar";

export type FixtureType = "file" | "directory" | "symlink" | "hard-link" | "char-device" | "block-device" | "fifo";

export interface FixtureEntry {
  name: string;
  type?: FixtureType;
  content?: string | Buffer;
  linkTarget?: string;
  /** zip only: the uncompressed size written into the headers, when it should lie. */
  declaredSize?: number;
}

const TAR_TYPES: Record<FixtureType, NonNullable<HeaderData["type"]>> = {
  file: "File",
  directory: "Directory",
  symlink: "SymbolicLink",
  "hard-link": "Link",
  "char-device": "CharacterDevice",
  "block-device": "BlockDevice",
  fifo: "FIFO",
};

const BLOCK = 512;

function bytesOf(content: string | Buffer | undefined): Buffer {
  return typeof content === "string" ? Buffer.from(content) : (content ?? Buffer.alloc(0));
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, Buffer.alloc(BLOCK - rest)];
}

/** An uncompressed tar (ustar, with a pax record for long names). */
export function tar(entries: FixtureEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const type = entry.type ?? "file";
    const data = type === "file" ? bytesOf(entry.content) : Buffer.alloc(0);
    const fields: HeaderData = {
      path: entry.name,
      type: TAR_TYPES[type],
      mode: type === "directory" ? 0o755 : 0o644,
      size: data.length,
      mtime: new Date(0),
      uid: 0,
      gid: 0,
      uname: "",
      gname: "",
      ...(entry.linkTarget !== undefined ? { linkpath: entry.linkTarget } : {}),
      ...(type === "char-device" || type === "block-device" ? { devmaj: 1, devmin: 3 } : {}),
    };
    const header = new Header(fields);
    const block = Buffer.alloc(BLOCK);
    if (header.encode(block, 0)) {
      // The name does not fit ustar: a pax record carries it, as GNU tar and node-tar write.
      parts.push(new Pax(fields).encode());
    }
    parts.push(block, ...padded(data));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

export function tarGz(entries: FixtureEntry[]): Buffer {
  return gzipSync(tar(entries));
}

const UNIX_MODES: Record<FixtureType, number> = {
  file: 0o100644,
  directory: 0o040755,
  symlink: 0o120777,
  "hard-link": 0o100644, // zip has no hard links; unused
  "char-device": 0o020644,
  "block-device": 0o060644,
  fifo: 0o010644,
};

/** A zip made on "Unix" (so modes count), UTF-8 names, deflated unless `store`. */
export function zip(entries: FixtureEntry[], options: { store?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const type = entry.type ?? "file";
    const name = Buffer.from(entry.name);
    const data = type === "symlink" ? Buffer.from(entry.linkTarget ?? "") : bytesOf(entry.content);
    const method = options.store || data.length === 0 ? 0 : 8;
    const stored = method === 8 ? deflateRawSync(data) : data;
    const crc = crc32(data);
    const size = entry.declaredSize ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date: 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, spec 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((UNIX_MODES[type] << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, stored);
    centrals.push(central, name);
    offset += local.length + name.length + stored.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

export type ArchiveKind = "tar.gz" | "zip";

/** A site (path → content) as an archive of either kind, paths as given (no "./" prefix). */
export function siteArchive(kind: ArchiveKind, files: Record<string, string | Buffer>): Buffer {
  const entries = Object.entries(files).map(([name, content]) => ({ name, content }));
  return kind === "tar.gz" ? tarGz(entries) : zip(entries);
}

/** Every file under `folder`, by posix path relative to it. */
export function readFolder(folder: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else files[path.relative(folder, full).split(path.sep).join("/")] = readFileSync(full);
    }
  };
  walk(folder);
  return files;
}
