import { once } from "node:events";
import { type WriteStream, createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { isAccountId, isAssetHash, isGeneratedId } from "../model/names.js";
import { tempPath } from "./atomic.js";

/**
 * Content-addressed asset storage, one store per dispatch namespace and one per account (account scripts):
 * Cloudflare deduplicates uploads namespace-wide, so the store, not the script, owns the bytes.
 *
 * Layout: <root>/<account>/<store>/<hash[0:2]>/<hash>, where <store> is `ns-<namespace id>` or `account`.
 * Each blob file is `u32 big-endian header length | JSON header {contentType} | raw bytes`, so the content type
 * uploaded with the part travels with the bytes and one rename makes both visible at once.
 */

export type StoreScope = { account: string; kind: "namespace"; namespaceId: string } | { account: string; kind: "account" };

export interface BlobInfo {
  contentType: string | null;
  size: number;
}

export interface StagedBlob {
  readonly hash: string;
  readonly size: number;
  readonly contentType: string | null;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export class BlobTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`asset exceeds ${limit} bytes`);
    this.name = "BlobTooLargeError";
  }
}

interface BlobHeader {
  contentType: string | null;
}

export class BlobStore {
  private readonly indexes = new Map<string, Promise<Set<string>>>();
  private readonly createdDirs = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly tmpDir: string,
  ) {}

  /** The set of hashes present in a store. Loaded from disk once, then kept current by `commit`. */
  hashes(scope: StoreScope): Promise<Set<string>> {
    const dir = this.scopeDir(scope);
    let index = this.indexes.get(dir);
    if (!index) {
      index = scanStore(dir);
      this.indexes.set(dir, index);
      index.catch(() => this.indexes.delete(dir));
    }
    return index;
  }

  /**
   * Streams `body` (raw bytes) into a temporary file. Nothing is visible in the store until `commit`, so a request
   * that fails halfway leaves the store as it was.
   */
  async stage(scope: StoreScope, hash: string, contentType: string | null, body: AsyncIterable<Buffer | Uint8Array>, maxBytes: number): Promise<StagedBlob> {
    assertHash(hash);
    const dir = this.scopeDir(scope);
    await this.ensureDir(this.tmpDir);
    const tmp = tempPath(this.tmpDir, `blob-${hash}`);
    let size: number;
    try {
      size = await writeFramed(tmp, encodeHeader({ contentType }), body, maxBytes);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const final = path.join(dir, hash.slice(0, 2), hash);
    return {
      hash,
      size,
      contentType,
      commit: async () => {
        await this.ensureDir(path.dirname(final));
        await rename(tmp, final);
        (await this.hashes(scope)).add(hash);
      },
      discard: () => rm(tmp, { force: true }),
    };
  }

  /** Reads a stored blob: its content type and a stream of its bytes (for serving deployed sites locally). */
  async read(scope: StoreScope, hash: string): Promise<(BlobInfo & { stream: Readable }) | undefined> {
    assertHash(hash);
    const file = path.join(this.scopeDir(scope), hash.slice(0, 2), hash);
    const handle = await open(file, "r").catch(() => undefined);
    if (!handle) return undefined;
    try {
      const { size } = await handle.stat();
      const lengthBuf = Buffer.alloc(4);
      await handle.read(lengthBuf, 0, 4, 0);
      const headerLength = lengthBuf.readUInt32BE(0);
      const headerBuf = Buffer.alloc(headerLength);
      await handle.read(headerBuf, 0, headerLength, 4);
      const header = JSON.parse(headerBuf.toString("utf8")) as BlobHeader;
      const start = 4 + headerLength;
      const bodySize = size - start;
      const stream = bodySize > 0 ? createReadStream(file, { start, end: size - 1 }) : Readable.from([]);
      return { contentType: header.contentType ?? null, size: bodySize, stream };
    } finally {
      await handle.close();
    }
  }

  /** The content type a blob was uploaded with (null = none), reading only its header; undefined if absent. */
  async contentTypeOf(scope: StoreScope, hash: string): Promise<string | null | undefined> {
    const blob = await this.read(scope, hash);
    if (!blob) return undefined;
    blob.stream.destroy();
    return blob.contentType;
  }

  /** Drops a whole store (its namespace was deleted). */
  async removeScope(scope: StoreScope): Promise<void> {
    const dir = this.scopeDir(scope);
    this.indexes.delete(dir);
    await rm(dir, { recursive: true, force: true });
  }

  private scopeDir(scope: StoreScope): string {
    if (!isAccountId(scope.account)) throw new Error(`invalid account id in store scope: ${scope.account}`);
    if (scope.kind === "account") return path.join(this.root, scope.account, "account");
    if (!isGeneratedId(scope.namespaceId)) throw new Error(`invalid namespace id in store scope: ${scope.namespaceId}`);
    return path.join(this.root, scope.account, `ns-${scope.namespaceId}`);
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.createdDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.createdDirs.add(dir);
  }
}

/** Small bodies are collected and written with one call; larger ones are streamed to disk. */
const SMALL_BLOB_BYTES = 256 * 1024;

/** Writes header + body to `file`, returning the body size; throws BlobTooLargeError past `maxBytes`. */
async function writeFramed(file: string, header: Buffer, body: AsyncIterable<Buffer | Uint8Array>, maxBytes: number): Promise<number> {
  const pending: Array<Buffer | Uint8Array> = [header];
  let size = 0;
  let out: WriteStream | undefined;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
      if (out) {
        if (!out.write(chunk)) await once(out, "drain");
        continue;
      }
      pending.push(chunk);
      if (size > SMALL_BLOB_BYTES) {
        out = createWriteStream(file);
        for (const buffered of pending.splice(0)) out.write(buffered);
      }
    }
    if (!out) {
      await writeFile(file, Buffer.concat(pending));
      return size;
    }
    out.end();
    await finished(out);
    return size;
  } catch (err) {
    out?.destroy();
    throw err;
  }
}

function assertHash(hash: string): void {
  // Hashes become file names: re-checked here so no caller can bypass the route's validation.
  if (!isAssetHash(hash) || hash !== hash.toLowerCase()) throw new Error(`invalid asset hash: ${hash}`);
}

function encodeHeader(header: BlobHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const out = Buffer.alloc(4 + json.length);
  out.writeUInt32BE(json.length, 0);
  json.copy(out, 4);
  return out;
}

async function scanStore(dir: string): Promise<Set<string>> {
  const hashes = new Set<string>();
  const shards = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [] as string[];
    throw err;
  });
  for (const shard of shards) {
    if (!/^[0-9a-f]{2}$/.test(shard)) continue;
    for (const name of await readdir(path.join(dir, shard))) {
      if (isAssetHash(name) && name === name.toLowerCase()) hashes.add(name);
    }
  }
  return hashes;
}
