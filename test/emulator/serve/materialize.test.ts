import { randomUUID } from "node:crypto";
import { mkdir, readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SiteMaterializer, safeRelativePath } from "../../../src/emulator/serve/materialize.js";
import type { DeployedSite } from "../../../src/emulator/serve/site-lookup.js";
import { BlobStore, type StoreScope } from "../../../src/emulator/store/blobs.js";
import type { ManifestEntry } from "../../../src/emulator/model/session-manifest.js";
import type { ScriptRecord } from "../../../src/emulator/model/script-record.js";
import { ACCOUNT, tempDir } from "../helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let blobs: BlobStore;
let manifests: Map<string, Map<string, ManifestEntry>>;
let warnings: string[];
let materializer: SiteMaterializer;
const namespace = { name: "tenants", id: randomUUID() };
const scope: StoreScope = { account: ACCOUNT, kind: "namespace", namespaceId: namespace.id };

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  await mkdir(path.join(dir, "tmp"));
  blobs = new BlobStore(path.join(dir, "blobs"), path.join(dir, "tmp"));
  manifests = new Map();
  warnings = [];
  materializer = new SiteMaterializer({ root: path.join(dir, "sites"), blobs, loadManifest: async (ref) => manifests.get(ref), warn: (l) => warnings.push(l) });
});
afterEach(() => cleanup());

let counter = 0;
/** Stores the files as blobs and returns a deployed site whose manifest lists them. */
async function site(files: Record<string, string>, assetConfig: Record<string, unknown> = {}): Promise<DeployedSite> {
  const manifest = new Map<string, ManifestEntry>();
  for (const [p, content] of Object.entries(files)) {
    const hash = Buffer.from(content).toString("hex").padEnd(32, "0").slice(0, 32);
    const staged = await blobs.stage(scope, hash, "text/plain", Readable.from([Buffer.from(content)]), 1024);
    await staged.commit();
    manifest.set(p, { hash, size: content.length });
  }
  const ref = String(++counter).padStart(64, "0");
  manifests.set(ref, manifest);
  // The directory is named by the version key (code + assets + asset config), not by the etag (code only).
  const record = { name: "blog", etag: "e".repeat(64), versionKey: String(counter).padStart(64, "a"), manifestRef: ref, assetConfig } as ScriptRecord;
  return { key: "k", account: ACCOUNT, namespace, script: "blog", record };
}

describe("SiteMaterializer", () => {
  it("writes the manifest's files with their bytes and _headers/_redirects from the config", async () => {
    const v = await materializer.materialize(await site({ "/index.html": "home", "/a/b/c.txt": "deep", "/_headers": "from manifest" }, { _headers: "/*\n  X: 1\n", _redirects: "/a /b 301\n" }), undefined);
    expect(await readFile(path.join(v.dir, "index.html"), "utf8")).toBe("home");
    expect(await readFile(path.join(v.dir, "a/b/c.txt"), "utf8")).toBe("deep");
    expect(await readFile(path.join(v.dir, "_headers"), "utf8")).toBe("/*\n  X: 1\n");
    expect(await readFile(path.join(v.dir, "_redirects"), "utf8")).toBe("/a /b 301\n");
    expect(warnings.join("\n")).toContain("the uploaded asset /_headers is not served locally");
    expect(v.dir).toBe(path.join(dir, "sites", ACCOUNT, `ns-${namespace.id}`, "blog", "a".repeat(63) + String(counter)));
  });

  it("hard-links files whose hash the previous version had, and copies the rest", async () => {
    const first = await materializer.materialize(await site({ "/same.txt": "unchanged", "/index.html": "v1" }), undefined);
    const second = await materializer.materialize(await site({ "/moved/same.txt": "unchanged", "/index.html": "v2" }), first);
    const [a, b] = await Promise.all([stat(path.join(first.dir, "same.txt")), stat(path.join(second.dir, "moved/same.txt"))]);
    expect(b.ino).toBe(a.ino);
    expect(await readFile(path.join(second.dir, "index.html"), "utf8")).toBe("v2");
  });

  it("reuses a complete version directory and sweeps the ones no longer kept", async () => {
    const s1 = await site({ "/index.html": "v1" });
    const v1 = await materializer.materialize(s1, undefined);
    const again = await materializer.materialize(s1, undefined);
    expect(again.dir).toBe(v1.dir);
    const v2 = await materializer.materialize(await site({ "/index.html": "v2" }), v1);
    await materializer.sweep(new Set([v2.dir]));
    expect(await readdir(path.dirname(v2.dir))).toEqual([path.basename(v2.dir)]);
    await materializer.sweep(new Set());
    expect(await readdir(path.join(dir, "sites", ACCOUNT, `ns-${namespace.id}`))).toEqual([]);
  });

  it("skips paths that cannot be files and keeps the rest", async () => {
    const v = await materializer.materialize(await site({ "/x": "file", "/x/y": "under a file", "/ok.txt": "ok" }), undefined);
    expect(await readFile(path.join(v.dir, "ok.txt"), "utf8")).toBe("ok");
    expect(warnings.some((w) => w.includes("a file and a directory share that path"))).toBe(true);
  });
});

describe("safeRelativePath", () => {
  it("accepts plain keys and refuses ones that could leave the directory", () => {
    expect(safeRelativePath("/a/b.html")).toBe(path.join("a", "b.html"));
    for (const bad of ["a", "/../x", "/a/../../x", "/a//b", "/a/./b", "/a\\b", "/a\u0000", "/"]) expect(safeRelativePath(bad)).toBeUndefined();
  });
});
