import { stat } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { contentTypeFor, type AssetFile, type BuiltManifest, type Manifest } from "../manifest/index.js";
import { DeployError } from "./errors.js";
import { runPool } from "./pool.js";
import type { HashedFolder } from "./types.js";

const STAT_CONCURRENCY = 32;

/**
 * Rebuilds the deployable file list from a folder and its `/path → hash` map (as a Pulumi program recorded it; the
 * provider's `manifest` input): the program already walked, filtered and hashed the folder, so the deploy only needs
 * each file's location and size. Run where the deploy runs — on the provider's deploy thread — so the provider's own
 * thread never holds the per-file list (bench/README.md, site-100k).
 * Every file's bytes are re-hashed when its bucket is sent, so a file edited between the program
 * run and the upload is caught there ("changed during deploy"), never uploaded under a stale hash.
 */
export async function assetsFromHashedFolder(folder: HashedFolder): Promise<BuiltManifest> {
  const hashes = (typeof folder.hashes === "string" ? JSON.parse(folder.hashes) : folder.hashes) as Record<string, string>;
  const root = resolve(folder.base ?? process.cwd(), folder.directory);
  const keys = Object.keys(hashes).sort();
  const files = new Array<AssetFile>(keys.length);
  await runPool(keys, () => STAT_CONCURRENCY, async (key, i) => {
    const absolutePath = join(root, ...key.slice(1).split("/"));
    let size: number;
    try {
      size = (await stat(absolutePath)).size;
    } catch (error) {
      throw new DeployError(
        "upload",
        `The asset ${key} (${absolutePath}) is gone since the program listed it (${(error as NodeJS.ErrnoException).code ?? "unreadable"}). Something changed the folder during the deploy; run it again.`,
      );
    }
    files[i] = {
      key,
      absolutePath,
      hash: hashes[key]!,
      size,
      contentType: contentTypeFor(key),
      extension: extname(key).slice(1),
    };
  });
  const manifest: Manifest = {};
  let totalBytes = 0;
  for (const file of files) {
    manifest[file.key] = { hash: file.hash, size: file.size };
    totalBytes += file.size;
  }
  return { directory: root, manifest, files, ignored: [], fileCount: files.length, totalBytes };
}
