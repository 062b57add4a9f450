/**
 * assetBase64Stream: the upload's streaming reader. Same content and checks as readAssetBase64, one chunk at a
 * time, and a changed file fails before its last chunk is handed out.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assetBase64Stream, base64Length, buildManifest, HASH_CHUNK_SIZE, ManifestError } from "../../src/manifest/index.js";
import { chunkSizeFor, chunkVerdict } from "../../src/manifest/read-asset.js";
import { useTempDirs, writeTree } from "./tree.js";

const { tempDir } = useTempDirs();

async function built(files: Record<string, string | Uint8Array>, hashSalt?: string) {
  const root = await tempDir();
  await writeTree(root, files);
  const result = await buildManifest(root, hashSalt === undefined ? {} : { hashSalt });
  return { root, file: (key: string) => result.files.find((f) => f.key === key)! };
}

/** Reads the whole stream; `chunks` are the sizes handed out, `error` what it failed with after them. */
async function drain(stream: ReadableStream<Uint8Array>) {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(Buffer.from(chunk));
    return { text: Buffer.concat(chunks).toString("latin1"), chunks: chunks.map((c) => c.length) };
  } catch (error) {
    return { error, chunks: chunks.map((c) => c.length) };
  }
}

describe("assetBase64Stream", () => {
  it("streams the base64 of small, empty and multi-chunk files, salted or not", async () => {
    const big = Buffer.alloc(2 * HASH_CHUNK_SIZE + 5);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 3) & 0xff;
    const exact = Buffer.alloc(HASH_CHUNK_SIZE, 0x61);
    const { file } = await built({ "a.txt": "Content of file-1", "empty.css": "", "big.bin": big, "exact.bin": exact });
    expect(await drain(assetBase64Stream(file("/a.txt")))).toMatchObject({ text: Buffer.from("Content of file-1").toString("base64") });
    expect(await drain(assetBase64Stream(file("/empty.css")))).toMatchObject({ text: "", chunks: [] });
    const streamed = await drain(assetBase64Stream(file("/big.bin")));
    expect(streamed.text).toBe(big.toString("base64"));
    // Every chunk but the last encodes a multiple of 3 bytes, so no padding sits in the middle of the text.
    expect(streamed.chunks).toEqual([base64Length(HASH_CHUNK_SIZE), base64Length(HASH_CHUNK_SIZE), base64Length(5)]);
    expect((await drain(assetBase64Stream(file("/exact.bin")))).text).toBe(exact.toString("base64"));
    const salted = await built({ "a.txt": "Content of file-1" }, "tenant-a");
    expect(await drain(assetBase64Stream(salted.file("/a.txt"), "tenant-a"))).toMatchObject({ text: "Q29udGVudCBvZiBmaWxlLTE=" });
  });

  it("fails with changed-during-deploy for new bytes of the same size, and tells onError first", async () => {
    const { root, file } = await built({ "file-1.txt": "Content of file-1" });
    await fs.writeFile(path.join(root, "file-1.txt"), "Content of file-2");
    const told: ManifestError[] = [];
    const result = await drain(assetBase64Stream(file("/file-1.txt"), undefined, (error) => told.push(error)));
    expect(result.chunks).toEqual([]);
    expect(result.error).toMatchObject({ code: "changed-during-deploy", message: expect.stringContaining("no longer matches its hash") });
    expect(told).toEqual([result.error]);
  });

  it("holds back the last chunk of a multi-chunk file whose content changed", async () => {
    const original = Buffer.alloc(HASH_CHUNK_SIZE * 2, 0x62);
    const { root, file } = await built({ "big.txt": original });
    const edited = Buffer.from(original);
    edited[edited.length - 1] = 0x63;
    await fs.writeFile(path.join(root, "big.txt"), edited);
    const result = await drain(assetBase64Stream(file("/big.txt")));
    expect(result.error).toMatchObject({ code: "changed-during-deploy" });
    // Only the first chunk went out: the whole (wrong) file was never handed over.
    expect(result.chunks).toEqual([base64Length(HASH_CHUNK_SIZE)]);
  });

  it("reports a file that grew, shrank or was deleted", async () => {
    const { root, file } = await built({ "grew.txt": "aaa", "shrank.txt": "bbbbbb", "gone.txt": "ccc", "grew-big.bin": Buffer.alloc(HASH_CHUNK_SIZE, 1) });
    await fs.writeFile(path.join(root, "grew.txt"), "aaaa");
    await fs.writeFile(path.join(root, "shrank.txt"), "bb");
    await fs.rm(path.join(root, "gone.txt"));
    await fs.appendFile(path.join(root, "grew-big.bin"), "x");
    expect((await drain(assetBase64Stream(file("/grew.txt")))).error).toMatchObject({ code: "changed-during-deploy", message: expect.stringMatching(/size went from 3 to at least 4/) });
    expect((await drain(assetBase64Stream(file("/shrank.txt")))).error).toMatchObject({ message: expect.stringMatching(/size went from 6 to 2 bytes/) });
    expect((await drain(assetBase64Stream(file("/gone.txt")))).error).toMatchObject({ message: expect.stringMatching(/deleted/) });
    const grewBig = await drain(assetBase64Stream(file("/grew-big.bin")));
    expect(grewBig).toMatchObject({ chunks: [], error: { code: "changed-during-deploy" } });
  });

  it("opens nothing until it is read", async () => {
    const { root, file } = await built({ "big.bin": Buffer.alloc(HASH_CHUNK_SIZE * 3, 5) });
    const untouched = assetBase64Stream(file("/big.bin"));
    await fs.rm(path.join(root, "big.bin")); // not opened yet, so reading now finds it gone
    expect((await drain(untouched)).error).toMatchObject({ message: expect.stringMatching(/deleted/) });
  });
});

describe("the reader's decisions", () => {
  it("reads a file that fits one chunk with one byte to spare, so a full read means it grew", () => {
    expect(chunkSizeFor(0)).toBe(1);
    expect(chunkSizeFor(4096)).toBe(4097);
    expect(chunkSizeFor(HASH_CHUNK_SIZE - 1)).toBe(HASH_CHUNK_SIZE);
    expect(chunkSizeFor(HASH_CHUNK_SIZE)).toBe(HASH_CHUNK_SIZE);
    expect(chunkSizeFor(10 * HASH_CHUNK_SIZE)).toBe(HASH_CHUNK_SIZE);
  });

  it("after each read: grew, more to read, the end, or the end to be confirmed before the last chunk goes out", () => {
    // A small file: the spare byte read back means it grew; a short read is the end.
    expect(chunkVerdict(100, 101, 101, 101)).toBe("grew");
    expect(chunkVerdict(100, 100, 100, 101)).toBe("end");
    expect(chunkVerdict(100, 60, 60, 101)).toBe("end"); // shrank: the end, and the size check fails it
    // A file of several chunks.
    const c = HASH_CHUNK_SIZE;
    expect(chunkVerdict(3 * c, c, c, c)).toBe("more");
    expect(chunkVerdict(3 * c, 3 * c, c, c)).toBe("confirm-end");
    expect(chunkVerdict(3 * c - 5, 3 * c - 5, c - 5, c)).toBe("end");
    expect(chunkVerdict(2 * c + 5, 3 * c, c, c)).toBe("grew");
  });
});
