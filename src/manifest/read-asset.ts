import fs from "node:fs/promises";
import { describeFsError, errnoCode, ManifestError } from "./errors.js";
import { hashAssetBytes } from "./hash.js";
import type { AssetFile } from "./types.js";

/**
 * Reads one asset for upload as base64 text, re-hashing the bytes: Cloudflare stores whatever is sent under
 * the manifest's hash without checking it, so a file edited between the manifest and the upload would be
 * served with content that does not match its hash (and poison that hash namespace-wide). Such a change is
 * reported as "changed-during-deploy" instead.
 */
export async function readAssetBase64(file: AssetFile, hashSalt?: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file.absolutePath);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") throw changed(file, "it was deleted");
    throw new ManifestError(
      "unreadable-file",
      `Cannot read asset ${file.key} (${file.absolutePath}) for upload: ${describeFsError(error)}. Fix its permissions and deploy again.`,
      { path: file.absolutePath, cause: error },
    );
  }
  if (bytes.length !== file.size) throw changed(file, `its size went from ${file.size} to ${bytes.length} bytes`);
  if (hashAssetBytes(bytes, file.extension, hashSalt) !== file.hash) throw changed(file, "its content no longer matches its hash");
  return bytes.toString("base64");
}

function changed(file: AssetFile, what: string): ManifestError {
  return new ManifestError(
    "changed-during-deploy",
    `Asset ${file.key} (${file.absolutePath}) changed while it was being deployed: ${what}. ` +
      `Let the build finish writing the directory, then deploy again.`,
    { path: file.absolutePath },
  );
}
