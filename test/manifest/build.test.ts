import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildManifest, hashAssetBytes, type BuiltManifest } from "../../src/manifest/index.js";
import { useTempDirs, writeTree } from "./tree.js";

const { tempDir } = useTempDirs();

async function site(files: Record<string, string | Uint8Array>): Promise<string> {
  const root = await tempDir();
  await writeTree(root, files);
  return root;
}

function keys(built: BuiltManifest): string[] {
  return Object.keys(built.manifest);
}

describe("buildManifest", () => {
  it("lists wrangler's fixture tree with wrangler's hashes and byte sizes", async () => {
    const root = await site({
      "file-1.txt": "Content of file-1",
      "file-2.bak": "Content of file-2",
      "boop/file#1.txt": "Content of file-3",
      "béëp/boo^p.txt": "Content of file-5",
      "sub-dir/file-4.txt": "Content of file-1",
      "index.html": "<html></html>",
      ".assetsignore": "*.bak\nsub-dir\n",
    });
    const built = await buildManifest(root);
    expect(built.manifest).toEqual({
      "/béëp/boo^p.txt": { hash: "f05e28a3d0bdb90d3cf4bdafe592488f", size: 17 },
      "/boop/file#1.txt": { hash: "ff5016e92f039aa743a4ff7abb3180fa", size: 17 },
      "/file-1.txt": { hash: "0de3dd5df907418e9730fd2bd747bd5e", size: 17 },
      "/index.html": { hash: "4752155c2c0c0320b40bca1d83e8380a", size: 13 },
    });
    expect(built.ignored).toEqual([".assetsignore", "file-2.bak", "sub-dir/file-4.txt"]);
    expect(built.fileCount).toBe(4);
    expect(built.totalBytes).toBe(17 * 3 + 13);
    expect(built.directory).toBe(root);
  });

  it("sorts manifest keys and files in plain JS string order", async () => {
    const root = await site({ "b.txt": "b", "B.txt": "B", "a/z.txt": "z", "a.txt": "a", "_x.txt": "x", "é.txt": "e" });
    const built = await buildManifest(root);
    const expected = ["/B.txt", "/_x.txt", "/a.txt", "/a/z.txt", "/b.txt", "/é.txt"];
    expect(keys(built)).toEqual(expected);
    expect(built.files.map((f) => f.key)).toEqual(expected);
  });

  it("keeps odd names as on disk: no URL encoding, case, spaces, Unicode, dotfiles", async () => {
    const names = ["béëp/boo^p.txt", "boop/file#1.txt", "with space/a b.HTML", "UPPER/CASE.TXT", ".well-known/security.txt", ".env", "q?x=1&y", "100%.txt", "日本語/ファイル.css"];
    const root = await site(Object.fromEntries(names.map((n) => [n, `content of ${n}`])));
    const built = await buildManifest(root);
    expect(keys(built).sort()).toEqual(names.map((n) => `/${n}`).sort());
    for (const file of built.files) {
      expect(file.absolutePath).toBe(path.join(root, ...file.key.slice(1).split("/")));
      const bytes = await fs.readFile(file.absolutePath);
      expect(file.hash).toBe(hashAssetBytes(bytes, file.extension));
    }
    const byKey = new Map(built.files.map((f) => [f.key, f]));
    expect(byKey.get("/with space/a b.HTML")).toMatchObject({ extension: "HTML", contentType: "text/html; charset=utf-8" });
    expect(byKey.get("/.env")).toMatchObject({ extension: "", contentType: "application/null" });
    expect(byKey.get("/日本語/ファイル.css")).toMatchObject({ extension: "css", contentType: "text/css; charset=utf-8" });
  });

  it("hashes the same bytes differently per extension and identically per path with the same extension", async () => {
    const root = await site({ "a.css": "same", "b.txt": "same", "c/d.css": "same" });
    const { manifest } = await buildManifest(root);
    expect(manifest["/a.css"]!.hash).toBe(manifest["/c/d.css"]!.hash);
    expect(manifest["/a.css"]!.hash).not.toBe(manifest["/b.txt"]!.hash);
  });

  it("reads root _headers and _redirects as text and never lists them; nested ones are assets", async () => {
    const headers = "/*\n  X-Frame-Options: DENY\n";
    const redirects = "/old /new 301\n";
    const root = await site({ "_headers": headers, "_redirects": redirects, "index.html": "<html></html>", "sub/_headers": "nested", "sub/_redirects": "nested" });
    const built = await buildManifest(root);
    expect(built.headers).toBe(headers);
    expect(built.redirects).toBe(redirects);
    expect(keys(built)).toEqual(["/index.html", "/sub/_headers", "/sub/_redirects"]);
    expect(built.ignored).toEqual(["_headers", "_redirects"]);
  });

  it("omits headers and redirects when the files are absent", async () => {
    const built = await buildManifest(await site({ "index.html": "x" }));
    expect(built).not.toHaveProperty("headers");
    expect(built).not.toHaveProperty("redirects");
  });

  it("applies extra ignore patterns after .assetsignore", async () => {
    const root = await site({ "a.txt": "a", "b.map": "b", "drafts/c.html": "c", "drafts/keep.html": "k", ".assetsignore": "drafts/*\n" });
    const built = await buildManifest(root, { ignore: ["*.map", "!drafts/keep.html"] });
    expect(keys(built)).toEqual(["/a.txt", "/drafts/keep.html"]);
    expect(built.ignored).toEqual([".assetsignore", "b.map", "drafts/c.html"]);
  });

  it("salts every hash when hashSalt is set", async () => {
    const root = await site({ "file-1.txt": "Content of file-1" });
    const plain = await buildManifest(root);
    const salted = await buildManifest(root, { hashSalt: "tenant-a" });
    expect(plain.manifest["/file-1.txt"]!.hash).toBe("0de3dd5df907418e9730fd2bd747bd5e");
    expect(salted.manifest["/file-1.txt"]!.hash).toBe(hashAssetBytes(Buffer.from("Content of file-1"), "txt", "tenant-a"));
    expect(salted.manifest["/file-1.txt"]!.hash).not.toBe(plain.manifest["/file-1.txt"]!.hash);
  });

  it("hashes files of every size class alike (inline, streamed, around the chunk size) at any concurrency", async () => {
    const sizes = [0, 1, 4096, 196_607, 196_608, 196_609, 1_000_003];
    const files = Object.fromEntries(sizes.map((size) => [`f${size}.bin`, Buffer.alloc(size, size % 251)]));
    const root = await site(files);
    for (const concurrency of [1, 3, 16]) {
      const built = await buildManifest(root, { concurrency });
      for (const size of sizes) {
        expect(built.manifest[`/f${size}.bin`], `size ${size}, concurrency ${concurrency}`).toEqual({
          hash: hashAssetBytes(files[`f${size}.bin`]!, "bin"),
          size,
        });
      }
    }
  });

  it("skips entries that are not regular files (a FIFO would block a read)", async () => {
    const root = await site({ "index.html": "x" });
    const { execFileSync } = await import("node:child_process");
    execFileSync("mkfifo", [path.join(root, "pipe")]);
    const built = await buildManifest(root);
    expect(keys(built)).toEqual(["/index.html"]);
    expect(built.ignored).toEqual(["pipe"]);
  });

  it("rejects malformed options with a TypeError naming the option", async () => {
    const root = await site({ "a.txt": "a" });
    await expect(buildManifest(root, { concurrency: 0 })).rejects.toThrow(/concurrency/);
    await expect(buildManifest(root, { ignore: "*.map" as unknown as string[] })).rejects.toThrow(TypeError);
  });
});

describe("buildManifest directory errors", () => {
  it("names a missing directory", async () => {
    const missing = path.join(await tempDir(), "dist");
    await expect(buildManifest(missing)).rejects.toMatchObject({ code: "directory-missing", path: missing, message: expect.stringContaining(missing) });
  });

  it("names a file given as the directory", async () => {
    const root = await site({ "index.html": "x" });
    const file = path.join(root, "index.html");
    await expect(buildManifest(file)).rejects.toMatchObject({ code: "not-a-directory", path: file, message: expect.stringContaining(file) });
  });

  it("refuses an empty directory, and one whose files are all ignored", async () => {
    const empty = await tempDir();
    await expect(buildManifest(empty)).rejects.toMatchObject({ code: "empty-directory", path: empty });
    const onlyConfig = await site({ "_headers": "/*\n  A: b\n", "_redirects": "/a /b", "sub/.keep.bak": "x", ".assetsignore": "*.bak" });
    await expect(buildManifest(onlyConfig)).rejects.toMatchObject({
      code: "empty-directory",
      message: expect.stringMatching(/4 ignored: \.assetsignore, _headers, _redirects, sub\/\.keep\.bak/),
    });
  });

  it("resolves a relative directory against the working directory", async () => {
    const root = await site({ "a.txt": "a" });
    const relative = path.relative(process.cwd(), root);
    const built = await buildManifest(relative);
    expect(built.directory).toBe(root);
    expect(keys(built)).toEqual(["/a.txt"]);
  });
});
