import { describe, expect, it } from "vitest";
import { buildManifest, createIgnoreRules, DEFAULT_IGNORE_PATTERNS, parseIgnoreFile } from "../../src/manifest/index.js";
import { useTempDirs, writeTree } from "./tree.js";

const { tempDir } = useTempDirs();

describe("createIgnoreRules", () => {
  it("ignores exactly the three root-anchored specials by default", () => {
    const rules = createIgnoreRules({});
    expect(DEFAULT_IGNORE_PATTERNS).toEqual(["/.assetsignore", "/_redirects", "/_headers"]);
    for (const special of [".assetsignore", "_headers", "_redirects"]) {
      expect(rules.isIgnored(special), special).toBe(true);
      expect(rules.isIgnored(`sub/${special}`), `sub/${special}`).toBe(false);
    }
    for (const kept of [".git/config", "node_modules/x/index.js", ".DS_Store", ".wrangler/state", "_worker.js", "_routes.json"]) {
      expect(rules.isIgnored(kept), kept).toBe(false);
    }
    expect(rules.hasAssetsIgnoreFile).toBe(false);
  });

  it("applies .assetsignore with gitignore semantics, including negation and directory patterns", () => {
    const rules = createIgnoreRules({ assetsIgnoreText: "*.bak\nsub-dir\n!keep.bak\n# comment\nbuild/\n/root-only.txt\n" });
    expect(rules.hasAssetsIgnoreFile).toBe(true);
    expect(rules.isIgnored("file-2.bak")).toBe(true);
    expect(rules.isIgnored("deep/x.bak")).toBe(true);
    expect(rules.isIgnored("keep.bak")).toBe(false);
    expect(rules.isIgnored("sub-dir/file.txt")).toBe(true);
    expect(rules.isIgnored("a/sub-dir/file.txt")).toBe(true);
    expect(rules.isIgnored("build/app.js")).toBe(true);
    expect(rules.isIgnored("build", true)).toBe(true);
    expect(rules.isIgnored("build")).toBe(false); // a file named build is not matched by `build/`
    expect(rules.isIgnored("root-only.txt")).toBe(true);
    expect(rules.isIgnored("nested/root-only.txt")).toBe(false);
    expect(rules.isIgnored("# comment")).toBe(false);
  });

  it("lets .assetsignore re-include a special file, as wrangler does", () => {
    const rules = createIgnoreRules({ assetsIgnoreText: "!/_headers\n" });
    expect(rules.isIgnored("_headers")).toBe(false);
    expect(rules.isIgnored("_redirects")).toBe(true);
  });

  it("reads CRLF files and a byte-order mark the way the author meant them", () => {
    expect(parseIgnoreFile("\uFEFF*.bak\r\nsub-dir\r\n")).toEqual(["*.bak", "sub-dir", ""]);
    const rules = createIgnoreRules({ assetsIgnoreText: "\uFEFF*.bak\r\nsub-dir\r\n" });
    expect(rules.isIgnored("a.bak")).toBe(true);
    expect(rules.isIgnored("sub-dir/x.txt")).toBe(true);
  });

  it("applies extra patterns after .assetsignore, so they can override it", () => {
    const rules = createIgnoreRules({ assetsIgnoreText: "*.map\n", extraPatterns: ["!vendor.map", "tmp/\nlogs/"] });
    expect(rules.isIgnored("a.map")).toBe(true);
    expect(rules.isIgnored("vendor.map")).toBe(false);
    expect(rules.isIgnored("tmp/x")).toBe(true);
    expect(rules.isIgnored("logs/x")).toBe(true);
    expect(rules.hasAssetsIgnoreFile).toBe(true);
    expect(createIgnoreRules({ extraPatterns: ["*.map"] }).hasAssetsIgnoreFile).toBe(false);
  });
});

describe("the _worker.js guard", () => {
  it("refuses a root _worker.js without .assetsignore, with wrangler's advice", async () => {
    const root = await tempDir();
    await writeTree(root, { "index.html": "x", "_worker.js": "export default {}" });
    const error = await buildManifest(root).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "pages-worker-js", path: `${root}/_worker.js` });
    expect((error as Error).message).toMatch(/_worker\.js/);
    expect((error as Error).message).toMatch(/add a \.assetsignore file .* containing "_worker\.js"/);
    expect((error as Error).message).toMatch(/empty \.assetsignore/);
  });

  it("refuses a root _worker.js directory and, like wrangler, any root path starting with _worker.js", async () => {
    const asDirectory = await tempDir();
    await writeTree(asDirectory, { "_worker.js/index.js": "x" });
    await expect(buildManifest(asDirectory)).rejects.toMatchObject({ code: "pages-worker-js" });
    const json = await tempDir();
    await writeTree(json, { "_worker.json": "{}" });
    await expect(buildManifest(json)).rejects.toMatchObject({ code: "pages-worker-js" });
  });

  it("allows a nested _worker.js", async () => {
    const root = await tempDir();
    await writeTree(root, { "sub/_worker.js": "x" });
    expect(Object.keys((await buildManifest(root)).manifest)).toEqual(["/sub/_worker.js"]);
  });

  it("is silenced by any .assetsignore: an empty one uploads it, one listing it ignores it", async () => {
    const uploaded = await tempDir();
    await writeTree(uploaded, { "_worker.js": "x", ".assetsignore": "" });
    expect(Object.keys((await buildManifest(uploaded)).manifest)).toEqual(["/_worker.js"]);
    const ignored = await tempDir();
    await writeTree(ignored, { "_worker.js": "x", "index.html": "y", ".assetsignore": "_worker.js\n" });
    const built = await buildManifest(ignored);
    expect(Object.keys(built.manifest)).toEqual(["/index.html"]);
    expect(built.ignored).toContain("_worker.js");
  });

  it("does not fire when an extra ignore pattern keeps _worker.js out of the upload", async () => {
    const root = await tempDir();
    await writeTree(root, { "_worker.js": "x", "index.html": "y" });
    expect(Object.keys((await buildManifest(root, { ignore: ["/_worker.js"] })).manifest)).toEqual(["/index.html"]);
  });
});
