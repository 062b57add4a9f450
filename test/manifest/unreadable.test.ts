import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildManifest } from "../../src/manifest/index.js";
import { hashFiles } from "../../src/manifest/hash-file.js";
import { ignoresFilePermissions, useTempDirs, writeTree } from "./tree.js";

const { tempDir } = useTempDirs();

describe("unreadable files", () => {
  it("names a file that vanished between the walk and the read", async () => {
    const root = await tempDir();
    const present = path.join(root, "present.txt");
    await writeTree(root, { "present.txt": "x" });
    const vanished = path.join(root, "vanished.txt");
    const error = await hashFiles(
      [
        { key: "/present.txt", absolutePath: present, extension: "txt" },
        { key: "/vanished.txt", absolutePath: vanished, extension: "txt" },
      ],
      { concurrency: 4 },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "unreadable-file", path: vanished });
    expect((error as Error).message).toContain("/vanished.txt");
    expect((error as Error).message).toContain(vanished);
  });

  it("refuses, without blocking, a path that became a FIFO after the walk", async () => {
    const root = await tempDir();
    const fifo = path.join(root, "was-a-file.txt");
    execFileSync("mkfifo", [fifo]);
    await expect(hashFiles([{ key: "/was-a-file.txt", absolutePath: fifo, extension: "txt" }], { concurrency: 1 })).rejects.toMatchObject({
      code: "unreadable-file",
      path: fifo,
      message: expect.stringMatching(/stopped being a regular file/),
    });
  });

  it.skipIf(ignoresFilePermissions())("names a file without read permission", async () => {
    const root = await tempDir();
    await writeTree(root, { "index.html": "x", "secret.txt": "y" });
    const file = path.join(root, "secret.txt");
    await fs.chmod(file, 0o000);
    await expect(buildManifest(root)).rejects.toMatchObject({ code: "unreadable-file", path: file, message: expect.stringMatching(/permission denied/) });
  });

  it.skipIf(ignoresFilePermissions())("names a directory without read permission", async () => {
    const root = await tempDir();
    await writeTree(root, { "index.html": "x", "locked/a.txt": "y" });
    const dir = path.join(root, "locked");
    await fs.chmod(dir, 0o000);
    await expect(buildManifest(root)).rejects.toMatchObject({ code: "unreadable-file", message: expect.stringContaining(dir) });
  });
});
