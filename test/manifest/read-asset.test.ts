import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildManifest, readAssetBase64 } from "../../src/manifest/index.js";
import { useTempDirs, writeTree } from "./tree.js";

const { tempDir } = useTempDirs();

async function built(files: Record<string, string>, hashSalt?: string) {
  const root = await tempDir();
  await writeTree(root, files);
  const result = await buildManifest(root, hashSalt === undefined ? {} : { hashSalt });
  return { root, result, file: (key: string) => result.files.find((f) => f.key === key)! };
}

describe("readAssetBase64", () => {
  it("returns the base64 of an unchanged file (salted or not)", async () => {
    const { file } = await built({ "file-1.txt": "Content of file-1" });
    expect(await readAssetBase64(file("/file-1.txt"))).toBe(Buffer.from("Content of file-1").toString("base64"));
    const salted = await built({ "file-1.txt": "Content of file-1" }, "tenant-a");
    expect(await readAssetBase64(salted.file("/file-1.txt"), "tenant-a")).toBe("Q29udGVudCBvZiBmaWxlLTE=");
  });

  it("returns the base64 of a multi-chunk file", async () => {
    const big = "x".repeat(500_000);
    const { file } = await built({ "big.txt": big });
    expect(Buffer.from(await readAssetBase64(file("/big.txt")), "base64").toString()).toBe(big);
  });

  it("reports a file whose bytes changed but size did not", async () => {
    const { root, file } = await built({ "file-1.txt": "Content of file-1" });
    await fs.writeFile(path.join(root, "file-1.txt"), "Content of file-2");
    await expect(readAssetBase64(file("/file-1.txt"))).rejects.toMatchObject({
      code: "changed-during-deploy",
      path: path.join(root, "file-1.txt"),
      message: expect.stringContaining("/file-1.txt"),
    });
  });

  it("reports a file whose size changed, and one that was deleted", async () => {
    const { root, file } = await built({ "a.txt": "aaa", "b.txt": "bbb" });
    await fs.writeFile(path.join(root, "a.txt"), "aaaa");
    await fs.rm(path.join(root, "b.txt"));
    await expect(readAssetBase64(file("/a.txt"))).rejects.toMatchObject({ code: "changed-during-deploy", message: expect.stringMatching(/size went from 3 to 4/) });
    await expect(readAssetBase64(file("/b.txt"))).rejects.toMatchObject({ code: "changed-during-deploy", message: expect.stringMatching(/deleted/) });
  });

  it("reports a hash made with another salt as a change", async () => {
    const { file } = await built({ "a.txt": "aaa" }, "tenant-a");
    await expect(readAssetBase64(file("/a.txt"), "tenant-b")).rejects.toMatchObject({ code: "changed-during-deploy" });
  });
});
