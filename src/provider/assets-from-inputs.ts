import { stat } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { contentTypeFor, type AssetFile, type BuiltManifest, type Manifest } from "../manifest/index.js";
import { runPool } from "../deploy/pool.js";
import { DeployError } from "../deploy/index.js";

const STAT_CONCURRENCY = 32;

/**
 * Rebuilds the deployable file list from the `manifest` input (`directory` resolved against `base`, the program's
 * working folder, which need not be the provider's: an Automation API program runs wherever its host does): the program already walked,
 * filtered and hashed the folder, so the provider only needs each file's location and size.
 * Every file's bytes are re-hashed when its bucket is sent, so a file edited between the program
 * run and the upload is caught there ("changed during deploy"), never uploaded under a stale hash.
 */
export async function assetsFromInputs(directory: string, hashes: Record<string, string>, base: string = process.cwd()): Promise<BuiltManifest> {
  const root = resolve(base, directory);
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
