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
  return {
    manifestJson: manifestJsonText(built.files.map((file) => [file.key, file.hash] as const)),
    fileCount: built.fileCount,
    ...(built.headers === undefined ? {} : { headers: built.headers }),
    ...(built.redirects === undefined ? {} : { redirects: built.redirects }),
  };
}

/**
 * `JSON.stringify` of the `{ key: hash }` object, written from the (key, hash) pairs in their order without building
 * that object (100,000 keys make a slow dictionary-mode object). Keys need JSON escaping; hashes are hex.
 */
export function manifestJsonText(entries: readonly (readonly [key: string, hash: string])[]): string {
  const parts = entries.map(([key, hash]) => `${JSON.stringify(key)}:"${hash}"`);
  return `{${parts.join(",")}}`;
}
