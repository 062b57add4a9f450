/**
 * buildManifestOffThread: the same manifest as buildManifest, built on a worker thread — from the TypeScript sources
 * as from the compiled library (dist/, as in a Pulumi program) — with errors coming back as the same typed errors, and
 * without the calling thread ever loading the WebAssembly hasher (which a debugger on that thread would slow down).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildManifest, buildManifestOffThread, manifestInputOffThread, ManifestError, toManifestInput } from "../../src/manifest/index.js";
import { useTempDirs, writeTree } from "./tree.js";

const { tempDir } = useTempDirs();
const distManifest = path.resolve(__dirname, "..", "..", "dist", "manifest", "index.js");

const FILES = { "index.html": "<h1>hi</h1>", "css/site.css": "body{}", "data.json": '{"a":1}', ".assetsignore": "*.json\n" };

describe("buildManifestOffThread", () => {
  it("from the TypeScript sources, builds on a worker thread with the same result", async () => {
    const root = await tempDir();
    await writeTree(root, FILES);
    expect(await buildManifestOffThread(root, { hashSalt: "s" })).toEqual(await buildManifest(root, { hashSalt: "s" }));
    // The error's stack is the thread's: it was thrown under build-worker.ts and rebuilt here as a ManifestError.
    const error = await buildManifestOffThread(path.join(root, "missing")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestError);
    expect(error).toMatchObject({ code: "directory-missing", path: path.join(root, "missing") });
    expect((error as Error).stack).toContain(path.join("src", "manifest", "build-worker.ts"));
  });

  // The path Pulumi programs take (they load the compiled package), so it must run: `npm test` builds dist/ first.
  it("from dist/, builds on a worker: same manifest, typed errors, the caller never loads blake3-wasm", async () => {
    expect(existsSync(distManifest), `${distManifest} is missing: run \`npm run build\` (npm test builds first)`).toBe(true);
    const root = await tempDir();
    await writeTree(root, FILES);
    const expected = await buildManifest(root);
    const script = `
      const m = require(${JSON.stringify(distManifest)});
      (async () => {
        const built = await m.buildManifestOffThread(${JSON.stringify(root)});
        let error;
        try { await m.buildManifestOffThread(${JSON.stringify(path.join(root, "missing"))}); } catch (e) {
          error = { isManifestError: e instanceof m.ManifestError, code: e.code, path: e.path };
        }
        const blake3Loaded = Object.keys(require.cache).some((file) => file.includes("blake3-wasm"));
        process.stdout.write(JSON.stringify({ built, error, blake3Loaded }));
      })();`;
    const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
    expect(out.built).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(out.error).toEqual({ isManifestError: true, code: "directory-missing", path: path.join(root, "missing") });
    expect(out.blake3Loaded).toBe(false);
  });

  it("answers the program's manifest input: the path → hash map as JSON text in manifest order", async () => {
    const root = await tempDir();
    await writeTree(root, { ...FILES, "_headers": "/*\n  X-A: 1\n" });
    const built = await buildManifest(root);
    const input = await manifestInputOffThread(root);
    expect(input).toEqual(toManifestInput(built));
    expect(input.fileCount).toBe(2);
    expect(input.headers).toBe("/*\n  X-A: 1\n");
    expect(Object.keys(JSON.parse(input.manifestJson))).toEqual(built.files.map((f) => f.key));
    expect(JSON.parse(input.manifestJson)["/index.html"]).toBe(built.manifest["/index.html"]!.hash);
  });

  it("from dist/, answers the input from a worker, and a new worker after a large build stopped the first", async () => {
    const small = await tempDir();
    await writeTree(small, FILES);
    const large = await tempDir();
    const many: Record<string, string> = {};
    for (let i = 0; i < 20_000; i++) many[`d${i % 50}/${i}.txt`] = "";
    await writeTree(large, many);
    const script = `
      const m = require(${JSON.stringify(distManifest)});
      (async () => {
        const first = await m.manifestInputOffThread(${JSON.stringify(large)});
        const second = await m.manifestInputOffThread(${JSON.stringify(small)});
        process.stdout.write(JSON.stringify({ files: first.fileCount, second }));
      })();`;
    const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
    expect(out.files).toBe(20_000);
    expect(out.second).toEqual(toManifestInput(await buildManifest(small)));
  }, 60_000);

  it("rejects with a ManifestError for a bad directory", async () => {
    const root = await tempDir();
    await expect(buildManifestOffThread(path.join(root, "nope"))).rejects.toBeInstanceOf(ManifestError);
  });
});
