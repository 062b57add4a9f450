/**
 * The stat-keyed hash cache behind buildManifest({ hashCache }): a remembered hash is used only for a file
 * exactly as it was when hashed and settled before hashing began; anything else is read and hashed again.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildManifest } from "../../src/manifest/index.js";
import { resolveHashCacheDirectory, TIMESTAMP_MARGIN_MS } from "../../src/manifest/hash-cache.js";
import { useTempDirs, writeTree } from "./tree.js";

const { tempDir } = useTempDirs();

// A file becomes cacheable once its ctime is TIMESTAMP_MARGIN_MS old, and ctime cannot be set, only waited for:
// the sites that need settled files are all written first, then the file waits for the margin once.
const settledRoot = { dir: "" };
const SETTLED = {
  unchanged: { "a.html": "<h1>a</h1>", "b/c.css": "body{}", "d.js": "x" },
  rewritten: { "page.html": "version-1", "other.html": "stays" },
  salted: { "a.txt": "same bytes" },
  corrupt: { "a.txt": "a" },
};

beforeAll(async () => {
  settledRoot.dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "hash-cache-settled-")));
  for (const [name, files] of Object.entries(SETTLED)) await writeTree(path.join(settledRoot.dir, name), files);
  await new Promise((resolve) => setTimeout(resolve, TIMESTAMP_MARGIN_MS + 300));
}, 15_000);

afterAll(async () => {
  if (settledRoot.dir) await fs.rm(settledRoot.dir, { recursive: true, force: true });
});

async function settledSite(name: keyof typeof SETTLED) {
  return { root: path.join(settledRoot.dir, name), cache: await tempDir("hash-cache-dir-") };
}

const hashes = (built: Awaited<ReturnType<typeof buildManifest>>) => Object.fromEntries(built.files.map((f) => [f.key, f.hash]));

describe("buildManifest with hashCache", () => {
  it("takes unchanged, settled files from the cache, with the same manifest", async () => {
    const { root, cache } = await settledSite("unchanged");
    const first = await buildManifest(root, { hashCache: cache });
    expect(first.hashCacheHits).toBe(0);
    const second = await buildManifest(root, { hashCache: cache });
    expect(second.hashCacheHits).toBe(3);
    expect(hashes(second)).toEqual(hashes(first));
    expect(second.manifest).toEqual(first.manifest);
    expect(await buildManifest(root)).toMatchObject({ manifest: first.manifest });
  });

  it("never remembers a file written within the margin before hashing", async () => {
    const root = await tempDir("hash-cache-fresh-");
    const cache = await tempDir("hash-cache-dir-");
    await writeTree(root, { "fresh.txt": "just written" });
    await buildManifest(root, { hashCache: cache });
    const again = await buildManifest(root, { hashCache: cache });
    expect(again.hashCacheHits).toBe(0);
  });

  it("re-hashes a file rewritten with the same size and its old mtime put back", async () => {
    const { root, cache } = await settledSite("rewritten");
    await buildManifest(root, { hashCache: cache });
    const file = path.join(root, "page.html");
    const before = await fs.stat(file);
    await fs.writeFile(file, "version-2");
    await fs.utimes(file, before.atime, before.mtime); // what cp -p or rsync -t do; ctime still moves
    const after = await buildManifest(root, { hashCache: cache });
    expect(after.hashCacheHits).toBe(1); // only other.html
    const plain = await buildManifest(root);
    expect(after.manifest).toEqual(plain.manifest);
  });

  it("keeps salted and unsalted hashes apart", async () => {
    const { root, cache } = await settledSite("salted");
    const unsalted = await buildManifest(root, { hashCache: cache });
    await buildManifest(root, { hashCache: cache, hashSalt: "tenant-a" });
    const salted = await buildManifest(root, { hashCache: cache, hashSalt: "tenant-a" });
    expect(salted.hashCacheHits).toBe(1);
    expect(salted.manifest["/a.txt"]!.hash).not.toBe(unsalted.manifest["/a.txt"]!.hash);
    expect(salted.manifest).toEqual((await buildManifest(root, { hashSalt: "tenant-a" })).manifest);
  });

  it("ignores a corrupt cache file and replaces it", async () => {
    const { root, cache } = await settledSite("corrupt");
    await buildManifest(root, { hashCache: cache });
    const [name] = await fs.readdir(cache);
    await fs.writeFile(path.join(cache, name!), "{ not json");
    const rebuilt = await buildManifest(root, { hashCache: cache });
    expect(rebuilt.hashCacheHits).toBe(0);
    expect((await buildManifest(root, { hashCache: cache })).hashCacheHits).toBe(1);
  });
});

describe("resolveHashCacheDirectory", () => {
  it("is off unless asked for, and WFP_ASSETS_HASH_CACHE=off wins", () => {
    expect(resolveHashCacheDirectory(undefined, {})).toBeUndefined();
    expect(resolveHashCacheDirectory(false, { WFP_ASSETS_HASH_CACHE: "/x" })).toBeUndefined();
    expect(resolveHashCacheDirectory(true, { WFP_ASSETS_HASH_CACHE: "off" })).toBeUndefined();
    expect(resolveHashCacheDirectory("/some/dir", { WFP_ASSETS_HASH_CACHE: "0" })).toBeUndefined();
  });

  it("defaults under XDG_CACHE_HOME, and the environment can move it", () => {
    expect(resolveHashCacheDirectory(true, { XDG_CACHE_HOME: "/c" })).toBe(path.join("/c", "pulumi-wfp-assets", "hashes"));
    expect(resolveHashCacheDirectory(true, { WFP_ASSETS_HASH_CACHE: "/elsewhere" })).toBe(path.resolve("/elsewhere"));
    expect(resolveHashCacheDirectory("/mine", {})).toBe(path.resolve("/mine"));
  });
});
