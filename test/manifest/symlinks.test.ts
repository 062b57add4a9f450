import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildManifest } from "../../src/manifest/index.js";
import { useTempDirs, writeTree } from "./tree.js";

const { tempDir } = useTempDirs();

/** A site dir plus a sibling "outside" dir, both in one temp dir. */
async function layout(files: Record<string, string>): Promise<{ root: string; outside: string }> {
  const base = await tempDir();
  const root = path.join(base, "site");
  const outside = path.join(base, "outside");
  await fs.mkdir(root);
  await writeTree(outside, { "secret.txt": "private", "dir/inner.txt": "private too" });
  await writeTree(root, files);
  return { root, outside };
}

describe("symbolic links", () => {
  it("follows a link to a file inside: listed under the link's path, hashed from the target's bytes", async () => {
    const { root } = await layout({ "real/file-1.txt": "Content of file-1" });
    await fs.symlink("real/file-1.txt", path.join(root, "alias.txt"));
    await fs.symlink(path.join(root, "real", "file-1.txt"), path.join(root, "absolute.css"));
    const built = await buildManifest(root);
    expect(built.manifest["/alias.txt"]).toEqual({ hash: "0de3dd5df907418e9730fd2bd747bd5e", size: 17 });
    expect(built.manifest["/absolute.css"]).toEqual({ hash: "65e4b5cf301fdee61b6952d486f9790e", size: 17 });
    expect(built.files.find((f) => f.key === "/alias.txt")!.absolutePath).toBe(path.join(root, "real", "file-1.txt"));
  });

  it("follows a link to a directory inside, listing its files under the link's path", async () => {
    const { root } = await layout({ "assets/a.css": "a", "assets/deep/b.js": "b" });
    await fs.symlink("assets", path.join(root, "static"));
    const built = await buildManifest(root);
    expect(Object.keys(built.manifest)).toEqual(["/assets/a.css", "/assets/deep/b.js", "/static/a.css", "/static/deep/b.js"]);
    expect(built.manifest["/static/deep/b.js"]).toEqual(built.manifest["/assets/deep/b.js"]);
  });

  it("follows chains of directory links that do not cycle", async () => {
    const { root } = await layout({ "a/x.txt": "x", "c/y.txt": "y" });
    await fs.symlink("a", path.join(root, "b"));
    await fs.symlink("../c", path.join(root, "a", "to-c"));
    const built = await buildManifest(root);
    expect(Object.keys(built.manifest)).toEqual(["/a/to-c/y.txt", "/a/x.txt", "/b/to-c/y.txt", "/b/x.txt", "/c/y.txt"]);
  });

  it("refuses a file link that escapes the directory, naming the link", async () => {
    const { root, outside } = await layout({ "index.html": "x" });
    const link = path.join(root, "leak.txt");
    await fs.symlink(path.join(outside, "secret.txt"), link);
    const error = await buildManifest(root).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "symlink-escape", path: link });
    expect((error as Error).message).toContain(link);
    expect((error as Error).message).toContain(path.join(outside, "secret.txt"));
  });

  it("refuses a directory link that escapes, even through a relative ../ path", async () => {
    const { root } = await layout({ "index.html": "x" });
    const link = path.join(root, "sub", "up");
    await fs.mkdir(path.dirname(link));
    await fs.symlink("../../outside/dir", link);
    await expect(buildManifest(root)).rejects.toMatchObject({ code: "symlink-escape", path: link });
  });

  it("refuses a link to an ancestor (the root itself) as a loop", async () => {
    const { root } = await layout({ "sub/a.txt": "a" });
    const link = path.join(root, "sub", "up");
    await fs.symlink("..", link);
    const error = await buildManifest(root).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "symlink-loop", path: link });
    expect((error as Error).message).toContain(link);
  });

  it("refuses a link to its own directory as a loop", async () => {
    const { root } = await layout({ "sub/a.txt": "a" });
    await fs.symlink(".", path.join(root, "sub", "again"));
    await expect(buildManifest(root)).rejects.toMatchObject({ code: "symlink-loop", path: path.join(root, "sub", "again") });
  });

  it("refuses a cycle through two links", async () => {
    const { root } = await layout({ "x/a.txt": "a", "y/b.txt": "b" });
    await fs.symlink("../y", path.join(root, "x", "to-y"));
    await fs.symlink("../x", path.join(root, "y", "to-x"));
    const error = await buildManifest(root).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "symlink-loop" });
    expect([path.join(root, "x", "to-y"), path.join(root, "y", "to-x")]).toContain((error as { path: string }).path);
  });

  it("refuses a self-referencing link (ELOOP) as a loop", async () => {
    const { root } = await layout({ "index.html": "x" });
    const link = path.join(root, "self");
    await fs.symlink("self", link);
    await expect(buildManifest(root)).rejects.toMatchObject({ code: "symlink-loop", path: link });
  });

  it("names a broken link as unreadable", async () => {
    const { root } = await layout({ "index.html": "x" });
    const link = path.join(root, "gone.txt");
    await fs.symlink("nowhere.txt", link);
    await expect(buildManifest(root)).rejects.toMatchObject({
      code: "unreadable-file",
      path: link,
      message: expect.stringMatching(/broken symbolic link/),
    });
  });

  it("does not resolve links the ignore rules drop, nor links inside ignored directories", async () => {
    const { root, outside } = await layout({ "index.html": "x", ".assetsignore": "leak.txt\nvendor/\nlinked-dir/\n" });
    await fs.symlink(path.join(outside, "secret.txt"), path.join(root, "leak.txt"));
    await fs.mkdir(path.join(root, "vendor"));
    await fs.symlink("..", path.join(root, "vendor", "loop"));
    await fs.symlink(path.join(outside, "dir"), path.join(root, "linked-dir"));
    const built = await buildManifest(root);
    expect(Object.keys(built.manifest)).toEqual(["/index.html"]);
    expect(built.ignored).toEqual([".assetsignore", "leak.txt", "linked-dir", "vendor/loop"]);
  });

  it("reports the real path when the directory itself is given through a link", async () => {
    const { root } = await layout({ "index.html": "x" });
    const viaLink = path.join(path.dirname(root), "site-link");
    await fs.symlink(root, viaLink);
    const built = await buildManifest(viaLink);
    expect(built.directory).toBe(root);
    expect(built.files[0]!.absolutePath).toBe(path.join(root, "index.html"));
  });

  it("reads a root _headers link only if it stays inside", async () => {
    const { root, outside } = await layout({ "index.html": "x", "config/headers.txt": "/*\n  A: b\n" });
    await fs.symlink("config/headers.txt", path.join(root, "_headers"));
    expect((await buildManifest(root)).headers).toBe("/*\n  A: b\n");
    await fs.symlink(path.join(outside, "secret.txt"), path.join(root, "_redirects"));
    await expect(buildManifest(root)).rejects.toMatchObject({ code: "symlink-escape", path: path.join(root, "_redirects") });
  });
});
