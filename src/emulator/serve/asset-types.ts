import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";

/**
 * Serve each asset with the Content-Type it was uploaded with, as Cloudflare does ("The provided Content-Type
 * header of each file part will be attached when eventually serving the file", docs/cloudflare-api.md §2.3/§3), not with the one
 * Miniflare guesses from the file's extension — so a client that sends wrong or no content types fails locally too.
 * A file uploaded without a type (no header, or wrangler's `application/null`) is served without one.
 *
 * Miniflare's asset Worker answers every asset with `ETag: "<hex>"`, where hex is the first 16 bytes of
 * sha256(<absolute file path> + <mtimeMs>) (miniflare's `buildAssetManifest` → `walk` → `hashPath`), whatever
 * URL resolved to the file (html_handling, not_found_handling, a Worker's `env.ASSETS.fetch`). The emulator computes
 * the same key for every file it materialized and the proxy swaps the Content-Type of any answer whose ETag is one
 * of them. test/emulator/serve/asset-types.test.ts fails if Miniflare changes that formula.
 */

/** Miniflare's ETag (without quotes) for the file at `absolutePath` modified at `mtimeMs`. */
export function miniflareAssetEtag(absolutePath: string, mtimeMs: number): string {
  return createHash("sha256").update(`${absolutePath}${mtimeMs.toString()}`).digest("hex").slice(0, 32);
}

/**
 * ETag → stored content type (null = none) for the files of a version directory. `files` maps each relative
 * path to the hash it holds; `typeOf` reads a hash's stored type (undefined = the blob is gone).
 */
export async function assetTypesOf(
  dir: string,
  files: Iterable<[string, string]>,
  typeOf: (hash: string) => Promise<string | null | undefined>,
): Promise<Map<string, string | null>> {
  const types = new Map<string, string | null>();
  const byHash = new Map<string, Promise<string | null | undefined>>();
  const entries = [...files];
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const [rel, hash] = entries[next++]!;
      const file = path.join(dir, rel);
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) continue; // left out when materialized (a path clash, a missing blob)
      let type = byHash.get(hash);
      if (!type) byHash.set(hash, (type = typeOf(hash)));
      const stored = await type;
      if (stored !== undefined) types.set(miniflareAssetEtag(file, info.mtimeMs), stored);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, entries.length) }, worker));
  return types;
}

/** The ETag value without `W/` and quotes. */
export function etagKey(value: string): string {
  return value.trim().replace(/^W\//i, "").replace(/^"|"$/g, "");
}
