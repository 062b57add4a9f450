import type { BuiltManifest } from "./types.js";

/**
 * What a Pulumi program records of a folder as the resource's `manifest` input: the `/path → hash` map as one JSON
 * text (keys in manifest order), plus the root `_headers` / `_redirects` text.
 *
 * One string instead of a map of 100,000 entries: Pulumi's SDK turns every map entry into protobuf objects in the
 * program and again in the provider (about 2.5 KB of heap per entry, a few hundred MiB for a 100,000-file site;
 * bench/README.md "site-100k"), while a string crosses as one value. `pulumi preview --diff` still names every path:
 * the CLI shows a changed JSON string as a diff of the decoded object.
 */
export interface ManifestInput {
  manifestJson: string;
  fileCount: number;
  headers?: string;
  redirects?: string;
}

export function toManifestInput(built: BuiltManifest): ManifestInput {
  const hashes: Record<string, string> = {};
  for (const file of built.files) hashes[file.key] = file.hash;
  return {
    manifestJson: JSON.stringify(hashes),
    fileCount: built.fileCount,
    ...(built.headers === undefined ? {} : { headers: built.headers }),
    ...(built.redirects === undefined ? {} : { redirects: built.redirects }),
  };
}
