import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BlobStore, BlobTooLargeError, type StoreScope } from "../../../src/emulator/store/blobs.js";
import { tempDir } from "../helpers.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const scope: StoreScope = { account: ACCOUNT, kind: "namespace", namespaceId: "0b9c5a52-5b1e-4f0e-9a57-2f3c1b7f6a10" };
const HASH = "0de3dd5df907418e9730fd2bd747bd5e";

async function* chunks(...parts: string[]) {
  for (const p of parts) yield Buffer.from(p);
}

async function readAll(stream: AsyncIterable<unknown>): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of stream) out.push(c as Buffer);
  return Buffer.concat(out).toString();
}

let dir: string;
let cleanup: () => Promise<void>;
let store: BlobStore;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  store = new BlobStore(path.join(dir, "blobs"), path.join(dir, "tmp"));
});
afterEach(() => cleanup());

describe("BlobStore", () => {
  it("makes a staged blob visible only on commit, with its content type", async () => {
    const staged = await store.stage(scope, HASH, "text/css", chunks("body", "{}"), 100);
    expect(staged.size).toBe(6);
    expect((await store.hashes(scope)).has(HASH)).toBe(false);
    expect(await store.read(scope, HASH)).toBeUndefined();
    await staged.commit();
    expect((await store.hashes(scope)).has(HASH)).toBe(true);
    const blob = await store.read(scope, HASH);
    expect(blob?.contentType).toBe("text/css");
    expect(await readAll(blob!.stream)).toBe("body{}");
  });

  it("leaves nothing behind when a staged blob is discarded or too large", async () => {
    const staged = await store.stage(scope, HASH, null, chunks("abc"), 100);
    await staged.discard();
    await expect(store.stage(scope, HASH, null, chunks("abc", "def"), 4)).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(await readdir(path.join(dir, "tmp"))).toEqual([]);
    expect((await store.hashes(scope)).size).toBe(0);
  });

  it("streams large blobs to disk and still enforces the size limit", async () => {
    const big = Buffer.alloc(1024 * 1024 + 7, "q");
    async function* slices(limit = big.length) {
      for (let i = 0; i < limit; i += 65536) yield big.subarray(i, Math.min(i + 65536, limit));
    }
    const staged = await store.stage(scope, HASH, "application/octet-stream", slices(), big.length);
    expect(staged.size).toBe(big.length);
    await staged.commit();
    const blob = await store.read(scope, HASH);
    expect(blob?.size).toBe(big.length);
    expect((await readAll(blob!.stream)) === big.toString()).toBe(true);
    await expect(store.stage(scope, HASH, null, slices(), 512 * 1024)).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(await readdir(path.join(dir, "tmp"))).toEqual([]);
  });

  it("stores empty blobs and finds blobs again from disk", async () => {
    await (await store.stage(scope, HASH, null, chunks(), 10)).commit();
    const reopened = new BlobStore(path.join(dir, "blobs"), path.join(dir, "tmp"));
    expect([...(await reopened.hashes(scope))]).toEqual([HASH]);
    const blob = await reopened.read(scope, HASH);
    expect(blob).toMatchObject({ contentType: null, size: 0 });
    expect(await readAll(blob!.stream)).toBe("");
  });

  it("keeps stores apart and removes one whole", async () => {
    const other: StoreScope = { account: ACCOUNT, kind: "account" };
    await (await store.stage(scope, HASH, null, chunks("ns"), 10)).commit();
    expect((await store.hashes(other)).size).toBe(0);
    await store.removeScope(scope);
    expect((await store.hashes(scope)).size).toBe(0);
  });

  it("refuses names that could leave the data directory", async () => {
    await expect(store.stage(scope, "../../../../etc/passwd0000000000", null, chunks("x"), 10)).rejects.toThrow(/invalid asset hash/);
    await expect(store.stage(scope, HASH.toUpperCase(), null, chunks("x"), 10)).rejects.toThrow(/invalid asset hash/);
    await expect(store.read({ account: "../x", kind: "account" }, HASH)).rejects.toThrow(/invalid account id/);
    await expect(store.read({ account: ACCOUNT, kind: "namespace", namespaceId: "../../x" }, HASH)).rejects.toThrow(/invalid namespace id/);
  });
});
