import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildManifest, canonicalManifest, compareManifests, manifestDigest, type Manifest } from "../../src/manifest/index.js";
import { useTempDirs, writeTree } from "./tree.js";

const { tempDir } = useTempDirs();

const a: Manifest = {
  "/index.html": { hash: "4752155c2c0c0320b40bca1d83e8380a", size: 13 },
  "/file-1.txt": { hash: "0de3dd5df907418e9730fd2bd747bd5e", size: 17 },
};

describe("manifestDigest", () => {
  it("is SHA-256 of the JSON of sorted [key, hash] pairs", () => {
    const canonical = '[["/file-1.txt","0de3dd5df907418e9730fd2bd747bd5e"],["/index.html","4752155c2c0c0320b40bca1d83e8380a"]]';
    expect(canonicalManifest(a)).toBe(canonical);
    expect(manifestDigest(a)).toBe(createHash("sha256").update(canonical).digest("hex"));
    expect(manifestDigest(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("does not depend on key insertion order", () => {
    const reversed: Manifest = Object.fromEntries(Object.entries(a).reverse());
    expect(Object.keys(reversed)).not.toEqual(Object.keys(a));
    expect(manifestDigest(reversed)).toBe(manifestDigest(a));
  });

  it("is the same for the path → hash form", () => {
    expect(manifestDigest({ "/index.html": "4752155c2c0c0320b40bca1d83e8380a", "/file-1.txt": "0de3dd5df907418e9730fd2bd747bd5e" })).toBe(
      manifestDigest(a),
    );
  });

  it("changes with any key or hash", () => {
    const base = manifestDigest(a);
    expect(manifestDigest({ ...a, "/index.html": { hash: "0".repeat(32), size: 13 } })).not.toBe(base);
    const { "/index.html": entry, ...rest } = a;
    expect(manifestDigest({ ...rest, "/index.htm": entry! })).not.toBe(base);
    expect(manifestDigest(rest)).not.toBe(base);
  });

  it("is the same for the same tree in two different directories", async () => {
    const files = { "index.html": "<html></html>", "css/site.css": "body{}", "béëp/boo^p.txt": "Content of file-5", ".well-known/x": "y" };
    const first = await tempDir();
    const second = path.join(await tempDir(), "elsewhere", "deeper");
    await fs.mkdir(second, { recursive: true });
    await writeTree(first, files);
    await writeTree(second, Object.fromEntries(Object.entries(files).reverse()));
    const [one, two] = await Promise.all([buildManifest(first), buildManifest(second)]);
    expect(one.directory).not.toBe(two.directory);
    expect(manifestDigest(one.manifest)).toBe(manifestDigest(two.manifest));
  });
});

describe("compareManifests", () => {
  it("lists added, changed and removed keys, each sorted", () => {
    const previous: Manifest = {
      "/same.txt": { hash: "1".repeat(32), size: 1 },
      "/z-edited.txt": { hash: "2".repeat(32), size: 2 },
      "/resized.txt": { hash: "3".repeat(32), size: 3 },
      "/gone-b.txt": { hash: "4".repeat(32), size: 4 },
      "/gone-a.txt": { hash: "5".repeat(32), size: 5 },
    };
    const next: Manifest = {
      "/new-b.txt": { hash: "6".repeat(32), size: 6 },
      "/same.txt": { hash: "1".repeat(32), size: 1 },
      "/z-edited.txt": { hash: "7".repeat(32), size: 2 },
      "/resized.txt": { hash: "3".repeat(32), size: 30 },
      "/new-a.txt": { hash: "8".repeat(32), size: 8 },
    };
    expect(compareManifests(previous, next)).toEqual({
      added: ["/new-a.txt", "/new-b.txt"],
      changed: ["/resized.txt", "/z-edited.txt"],
      removed: ["/gone-a.txt", "/gone-b.txt"],
    });
  });

  it("finds nothing between equal manifests and everything against an empty one", () => {
    expect(compareManifests(a, { ...a })).toEqual({ added: [], changed: [], removed: [] });
    expect(compareManifests({}, a)).toEqual({ added: ["/file-1.txt", "/index.html"], changed: [], removed: [] });
    expect(compareManifests(a, {})).toEqual({ added: [], changed: [], removed: ["/file-1.txt", "/index.html"] });
  });

  it("does not mistake inherited object properties for keys", () => {
    expect(compareManifests({}, { constructor: { hash: "1".repeat(32), size: 1 } } as Manifest).added).toEqual(["constructor"]);
  });
});
