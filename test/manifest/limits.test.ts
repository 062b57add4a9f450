import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildManifest, DEFAULT_MAX_FILES, MAX_ASSET_SIZE, MAX_FILES_LIMIT } from "../../src/manifest/index.js";
import { FREE_PLAN_MAX_FILES } from "../../src/rules/index.js";
import { resolveMaxFiles } from "../../src/manifest/limits.js";
import { useTempDirs, writeTree } from "./tree.js";

const { tempDir } = useTempDirs();

async function sparseFile(file: string, size: number): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  await fs.promises.writeFile(file, "");
  await fs.promises.truncate(file, size);
}

describe("limits", () => {
  it("has Cloudflare's values", () => {
    expect(MAX_ASSET_SIZE).toBe(26_214_400);
    expect(DEFAULT_MAX_FILES).toBe(100_000);
    expect(MAX_FILES_LIMIT).toBe(100_000);
    expect(FREE_PLAN_MAX_FILES).toBe(20_000);
  });

  it("accepts a file of exactly 25 MiB and refuses 25 MiB + 1, naming the file and the limit", async () => {
    const root = await tempDir();
    await writeTree(root, { "index.html": "x" });
    await sparseFile(path.join(root, "video", "exact.mp4"), MAX_ASSET_SIZE);
    const built = await buildManifest(root);
    expect(built.manifest["/video/exact.mp4"]!.size).toBe(MAX_ASSET_SIZE);

    const tooBig = path.join(root, "video", "big.mp4");
    await sparseFile(tooBig, MAX_ASSET_SIZE + 1);
    const error = await buildManifest(root).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "file-too-large", path: tooBig });
    expect((error as Error).message).toContain("/video/big.mp4");
    expect((error as Error).message).toContain(tooBig);
    expect((error as Error).message).toContain("25 MiB");
  });

  it("does not count ignored files against the size limit", async () => {
    const root = await tempDir();
    await writeTree(root, { "index.html": "x", ".assetsignore": "*.mp4\n" });
    await sparseFile(path.join(root, "big.mp4"), MAX_ASSET_SIZE + 1);
    expect(Object.keys((await buildManifest(root)).manifest)).toEqual(["/index.html"]);
  });

  it("refuses more files than maxFiles, counting after ignore rules", async () => {
    const root = await tempDir();
    await writeTree(root, { "a.txt": "a", "b.txt": "b", "c.txt": "c", "d.bak": "d" });
    await expect(buildManifest(root, { maxFiles: 3, ignore: ["*.bak"] })).resolves.toMatchObject({ fileCount: 3 });
    const error = await buildManifest(root, { maxFiles: 2 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "too-many-files", path: root });
    expect((error as Error).message).toContain(root);
    expect((error as Error).message).toMatch(/more than 2 assets/);
    expect((error as Error).message).toMatch(/up to 100,000/);
  });

  it("applies the default of 100,000 files, and the Free plan's 20,000 when set", async () => {
    const root = await tempDir();
    for (let d = 0; d < 100; d++) {
      const dir = path.join(root, `d${d}`);
      fs.mkdirSync(dir);
      for (let i = 0; i < 1000; i++) fs.writeFileSync(path.join(dir, `${i}.txt`), "");
    }
    fs.writeFileSync(path.join(root, "one-more.txt"), "");
    const error = await buildManifest(root).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "too-many-files", message: expect.stringMatching(/more than 100,000 assets/) });
    // At Cloudflare's own limit there is nothing to raise: the message says only what to exclude.
    expect((error as Error).message).not.toMatch(/raise maxFiles/);
    await expect(buildManifest(root, { maxFiles: FREE_PLAN_MAX_FILES })).rejects.toMatchObject({
      code: "too-many-files",
      message: expect.stringMatching(/more than 20,000 assets.*raise maxFiles \(--max-files\) up to 100,000/s),
    });
  }, 120_000);

  it.each([0, -1, 1.5, MAX_FILES_LIMIT + 1, Number.NaN, Number.POSITIVE_INFINITY, "100" as unknown as number])(
    "refuses maxFiles %j before touching the disk",
    async (maxFiles) => {
      const missing = path.join(await tempDir(), "not-there");
      const error = await buildManifest(missing, { maxFiles }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "invalid-max-files" });
      expect((error as Error).message).toMatch(/from 1 to 100,000/);
    },
  );

  it("accepts maxFiles up to 100,000", () => {
    expect(resolveMaxFiles(undefined)).toBe(DEFAULT_MAX_FILES);
    expect(resolveMaxFiles(1)).toBe(1);
    expect(resolveMaxFiles(MAX_FILES_LIMIT)).toBe(MAX_FILES_LIMIT);
  });
});
