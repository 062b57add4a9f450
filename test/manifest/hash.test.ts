import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { hash as blake3 } from "blake3-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssetHasher, assetExtension, HASH_CHUNK_SIZE, hashAssetBytes, hashAssetFile } from "../../src/manifest/index.js";

// Every vector of docs/cloudflare-api.md §2.2 (blake3-wasm 2.1.5 over the fixtures of wrangler's assets.test.ts).
const vectors: Array<[content: string, extension: string, hash: string]> = [
  ["Content of file-1", "txt", "0de3dd5df907418e9730fd2bd747bd5e"],
  ["Content of file-2", "txt", "7574a8cd3094a050388ac9663af1c1d6"],
  ["Content of file-3", "txt", "ff5016e92f039aa743a4ff7abb3180fa"],
  ["Content of file-5", "txt", "f05e28a3d0bdb90d3cf4bdafe592488f"],
  ["something-binary", "greg", "80e40c1f2422528cb2fba3f9389ce315"],
  ["<html></html>", "html", "4752155c2c0c0320b40bca1d83e8380a"],
  ["// some secret server-side code.", "js", "266570622a24a5fb8913d53fd3ac8562"],
  ["Content of file-1", "css", "65e4b5cf301fdee61b6952d486f9790e"],
  ["Content of file-1", "", "f3b250a33b07b201beb4adb72a3394ec"],
];

/** Independent spelling of the scheme: the whole base64 text at once, via blake3-wasm's one-shot hash. */
function reference(bytes: Buffer, extension: string, salt?: string): string {
  const message = Buffer.from(bytes.toString("base64") + extension, "utf8");
  const input = salt ? Buffer.concat([Buffer.from(salt, "utf8"), Buffer.of(0), message]) : message;
  return (blake3(input) as Buffer).toString("hex").slice(0, 32);
}

function pseudoRandomBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = state >>> 16;
  }
  return bytes;
}

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "manifest-hash-"));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe("hashAssetBytes", () => {
  it.each(vectors)("%j with extension %j hashes to %s", (content, extension, expected) => {
    expect(hashAssetBytes(Buffer.from(content, "utf8"), extension)).toBe(expected);
  });

  it("gives 32 lowercase hex chars and treats an empty salt as no salt", () => {
    const bytes = Buffer.from("Content of file-1");
    expect(hashAssetBytes(bytes, "txt")).toMatch(/^[0-9a-f]{32}$/);
    expect(hashAssetBytes(bytes, "txt", "")).toBe("0de3dd5df907418e9730fd2bd747bd5e");
  });

  it("salted: BLAKE3(utf8(salt) ‖ 0x00 ‖ utf8(base64 + ext)), distinct per salt, extension kept", () => {
    const bytes = Buffer.from("Content of file-1");
    const salted = hashAssetBytes(bytes, "txt", "tenant-a");
    expect(salted).toBe(reference(bytes, "txt", "tenant-a"));
    expect(salted).not.toBe("0de3dd5df907418e9730fd2bd747bd5e");
    expect(hashAssetBytes(bytes, "txt", "tenant-b")).not.toBe(salted);
    expect(hashAssetBytes(bytes, "css", "tenant-a")).not.toBe(salted);
    // Unicode salt is hashed as UTF-8.
    expect(hashAssetBytes(bytes, "txt", "téñant")).toBe(reference(bytes, "txt", "téñant"));
  });

  it("pins one salted vector so the scheme cannot drift silently", () => {
    // blake3-wasm 2.1.5: hash(b"tenant-a" + b"\x00" + b"Q29udGVudCBvZiBmaWxlLTE=" + b"txt"), first 16 bytes in hex.
    expect(hashAssetBytes(Buffer.from("Content of file-1"), "txt", "tenant-a")).toBe("759a6b76527990bac85fda967eb65c89");
  });

  it("hashes inputs larger than one chunk like the whole-buffer scheme (sizes around 3-byte and chunk boundaries)", () => {
    for (const length of [0, 1, 2, 3, 4, HASH_CHUNK_SIZE - 1, HASH_CHUNK_SIZE, HASH_CHUNK_SIZE + 1, HASH_CHUNK_SIZE + 2, 3 * HASH_CHUNK_SIZE + 5]) {
      const bytes = pseudoRandomBytes(length, length + 7);
      expect(hashAssetBytes(bytes, "bin"), `length ${length}`).toBe(reference(bytes, "bin"));
      expect(hashAssetBytes(bytes, "bin", "s"), `salted length ${length}`).toBe(reference(bytes, "bin", "s"));
    }
  });

  it("hashes a subarray of a larger buffer by its own bytes only", () => {
    const backing = Buffer.from("xxContent of file-1yy");
    expect(hashAssetBytes(backing.subarray(2, 19), "txt")).toBe("0de3dd5df907418e9730fd2bd747bd5e");
  });
});

describe("AssetHasher", () => {
  it("gives the same hash for any chunking, including chunks that are not multiples of 3", () => {
    const bytes = pseudoRandomBytes(10_000, 3);
    const expected = reference(bytes, "js");
    for (const chunkSize of [1, 2, 3, 5, 7, 4096, 9999]) {
      const hasher = new AssetHasher("js");
      for (let offset = 0; offset < bytes.length; offset += chunkSize) hasher.update(bytes.subarray(offset, offset + chunkSize));
      expect(hasher.digest(), `chunk ${chunkSize}`).toBe(expected);
      expect(hasher.size).toBe(bytes.length);
    }
  });

  it("copies the carried bytes, so a reused read buffer does not corrupt the hash", () => {
    const bytes = Buffer.from("Content of file-1");
    const reused = Buffer.alloc(5);
    const hasher = new AssetHasher("txt");
    for (let offset = 0; offset < bytes.length; offset += 5) {
      const n = bytes.copy(reused, 0, offset, offset + 5);
      hasher.update(reused.subarray(0, n));
      reused.fill(0xff);
    }
    expect(hasher.digest()).toBe("0de3dd5df907418e9730fd2bd747bd5e");
  });

  it("refuses use after digest", () => {
    const hasher = new AssetHasher("txt");
    hasher.digest();
    expect(() => hasher.update(Buffer.from("x"))).toThrow(/after digest/);
    expect(() => hasher.digest()).toThrow(/twice/);
  });
});

describe("assetExtension", () => {
  it.each([
    ["/a/file.txt", "txt"],
    ["/a.tar.gz", "gz"],
    ["/A.CSS", "CSS"],
    ["/.env", ""],
    ["/Makefile", ""],
    ["/dir.d/file", ""],
    ["/trailing.", ""],
    ["/x.ünï", "ünï"],
    ["/x.c\\d", "c\\d"],
  ])("%s → %j", (file, extension) => {
    expect(assetExtension(file)).toBe(extension);
  });
});

describe("hashAssetFile", () => {
  it("hashes a file from disk with its own extension", async () => {
    const file = path.join(tmp, "file-1.txt");
    await fs.writeFile(file, "Content of file-1");
    expect(await hashAssetFile(file)).toEqual({ hash: "0de3dd5df907418e9730fd2bd747bd5e", size: 17 });
    expect((await hashAssetFile(file, "tenant-a")).hash).toBe(reference(Buffer.from("Content of file-1"), "txt", "tenant-a"));
  });

  it("streams a multi-chunk file to the whole-file hash", async () => {
    const bytes = pseudoRandomBytes(2 * HASH_CHUNK_SIZE + 11, 9);
    const file = path.join(tmp, "big.bin");
    await fs.writeFile(file, bytes);
    expect(await hashAssetFile(file)).toEqual({ hash: reference(bytes, "bin"), size: bytes.length });
  });

  it("names a missing file in a ManifestError", async () => {
    const missing = path.join(tmp, "nope.txt");
    await expect(hashAssetFile(missing)).rejects.toMatchObject({ code: "unreadable-file", path: missing });
  });
});
