import path from "node:path";
import type * as Blake3 from "blake3-wasm";

/**
 * blake3-wasm instantiates its WebAssembly module when it is loaded, so it is loaded on the first hash, not with
 * this file: a Pulumi program imports this library on a thread with a debugger attached, and V8 shares a compiled
 * module between threads, so one instantiation there would slow the hashing on the worker thread too (see
 * build-off-thread.ts).
 */
let blake3Library: typeof Blake3 | undefined;
function blake3Lib(): typeof Blake3 {
  return (blake3Library ??= require("blake3-wasm") as typeof Blake3);
}

/**
 * Asset hashes.
 *
 * Unsalted — byte-for-byte what wrangler sends (Cloudflare's own client, blake3-wasm 2.1.5):
 *
 *     hash = lowercase-hex(BLAKE3-256(utf8(base64(bytes) + extension)))[0..32)
 *
 * `base64` is the standard alphabet with `=` padding; `extension` is the last extension of the file name
 * without its dot, case kept (`a.tar.gz` → `gz`, `A.CSS` → `CSS`, `.env` / `Makefile` → ``). The extension
 * is hashed because Cloudflare stores one object per hash and attaches the Content-Type at upload time:
 * identical bytes under `.css` and `.txt` must not share an object.
 *
 * Salted (`hashSalt` set and not empty) — for tenants that must not share stored objects inside one
 * dispatch namespace (Cloudflare dedups by hash namespace-wide):
 *
 *     hash = lowercase-hex(BLAKE3-256(utf8(salt) ‖ 0x00 ‖ utf8(base64(bytes) + extension)))[0..32)
 *
 * The extension stays in the input for the same reason as above. The encoding is unambiguous: the
 * base64-plus-extension part can never contain a 0x00 byte (file names cannot), so the last 0x00 always
 * separates salt from content and different (salt, content) pairs never feed BLAKE3 the same bytes.
 * An empty salt means "no salt" and gives wrangler's hash. The server treats the hash as an opaque key, so
 * salted hashes work with the same upload flow; only deduplication across salts is lost (the point).
 */

/** 32 hex chars = the first 16 bytes of the 32-byte BLAKE3 digest. */
const HASH_BYTES = 16;

/**
 * Bytes per read when streaming a file. A multiple of 3, so the base64 text of each chunk (no padding
 * except after the last one) concatenates to the base64 text of the whole file: a 25 MiB asset is hashed
 * with ~450 KiB of buffers instead of 33 MB of base64.
 */
export const HASH_CHUNK_SIZE = 3 * 64 * 1024;

/**
 * Extension as hashed, of a manifest key or any posix path: last one, without the dot, case kept; `` for none
 * and for dotfiles. A backslash is an ordinary file-name character on posix, as in wrangler's `path.extname`.
 */
export function assetExtension(filePath: string): string {
  return path.posix.extname(filePath).slice(1);
}

function saltPrefix(hashSalt: string | undefined): Buffer | undefined {
  if (hashSalt === undefined || hashSalt === "") return undefined;
  return Buffer.concat([Buffer.from(hashSalt, "utf8"), Buffer.of(0)]);
}

/**
 * Incremental form of the asset hash, fed raw file bytes in any chunking; only the bytes that do not yet
 * form a 3-byte group are carried to the next call, so chunks of a multiple of 3 are encoded as they are.
 */
export class AssetHasher {
  private readonly hasher = blake3Lib().createHash();
  private readonly extension: string;
  private carry: Buffer = Buffer.alloc(0);
  private finished = false;
  size = 0;

  constructor(extension: string, hashSalt?: string) {
    this.extension = extension;
    const prefix = saltPrefix(hashSalt);
    if (prefix) this.hasher.update(prefix);
  }

  update(chunk: Uint8Array): this {
    if (this.finished) throw new Error("AssetHasher.update() after digest()");
    if (this.carry.length === 0 && this.size % 3 !== 0) throw new Error("AssetHasher.update() after the last chunk of updateEncoded()");
    this.size += chunk.length;
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.carry.length > 0) data = Buffer.concat([this.carry, data]);
    const whole = data.length - (data.length % 3);
    if (whole > 0) this.hasher.update(Buffer.from(data.toString("base64", 0, whole), "latin1"));
    // Copy: `data` may be the caller's reusable read buffer.
    this.carry = Buffer.from(data.subarray(whole));
    return this;
  }

  /**
   * Feeds the base64 text of `rawLength` raw bytes that the caller has already encoded (an upload sends that text,
   * so it need not be encoded twice). Every chunk but the last must hold a multiple of 3 raw bytes, and this cannot
   * be mixed with `update()` of a chunk that left bytes over.
   */
  updateEncoded(base64: Uint8Array, rawLength: number): this {
    if (this.finished) throw new Error("AssetHasher.updateEncoded() after digest()");
    if (this.carry.length > 0 || this.size % 3 !== 0) {
      throw new Error("AssetHasher.updateEncoded(): a previous chunk was not a multiple of 3 bytes, so this one cannot be appended as text");
    }
    this.size += rawLength;
    if (base64.length > 0) this.hasher.update(base64);
    return this;
  }

  /** Returns the 32-hex-char hash and frees the WebAssembly state. */
  digest(): string {
    if (this.finished) throw new Error("AssetHasher.digest() called twice");
    this.finished = true;
    if (this.carry.length > 0) this.hasher.update(Buffer.from(this.carry.toString("base64"), "latin1"));
    this.hasher.update(Buffer.from(this.extension, "utf8"));
    return this.hasher.digest().toString("hex", 0, HASH_BYTES);
  }

  /** Frees the WebAssembly state without a result (after a read error). */
  dispose(): void {
    if (this.finished) return;
    this.finished = true;
    this.hasher.dispose();
  }
}

// One-shot path for small inputs: salt, base64 and extension are written into one reused buffer and
// hashed with a single WebAssembly call, which is most of the per-file cost for a typical 4 KiB asset.
let scratch = Buffer.alloc(512 * 1024);

/** Asset hash of in-memory bytes; `extension` without the dot. See the scheme at the top of this file. */
export function hashAssetBytes(bytes: Uint8Array, extension: string, hashSalt?: string): string {
  const prefix = saltPrefix(hashSalt);
  if (bytes.length > HASH_CHUNK_SIZE) {
    // Bounded memory for big inputs: stream them through the incremental hasher, one aligned chunk at a time.
    const hasher = new AssetHasher(extension, hashSalt);
    for (let offset = 0; offset < bytes.length; offset += HASH_CHUNK_SIZE) {
      hasher.update(bytes.subarray(offset, offset + HASH_CHUNK_SIZE));
    }
    return hasher.digest();
  }
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const needed = (prefix?.length ?? 0) + Math.ceil(bytes.length / 3) * 4 + Buffer.byteLength(extension, "utf8");
  if (scratch.length < needed) scratch = Buffer.alloc(needed);
  let length = 0;
  if (prefix) length += prefix.copy(scratch, 0);
  length += scratch.write(source.toString("base64"), length, "latin1");
  length += scratch.write(extension, length, "utf8");
  return (blake3Lib().hash(scratch.subarray(0, length)) as Buffer).toString("hex", 0, HASH_BYTES);
}
