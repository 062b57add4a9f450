import { createHash } from "node:crypto";
import type { Manifest } from "./types.js";

/** The manifest as the Pulumi resource records it: path → hash (sizes follow from the content). */
export type HashManifest = Record<string, string>;

/**
 * The canonical text of a manifest: `JSON.stringify` of the array of `[key, hash]` pairs, sorted by key
 * in plain JS string order (UTF-16 code units), e.g. `[["/a.txt","0de3…"],["/b/c.css","65e4…"]]`.
 * Sizes are left out on purpose: the hash already covers the bytes, and leaving them out gives the
 * same digest for the full manifest and for the path → hash form kept in Pulumi state. Nothing
 * else enters it, so it does not depend on where the directory lives, walk order or key order.
 */
export function canonicalManifest(manifest: Manifest | HashManifest): string {
  const keys = Object.keys(manifest).sort(compareKeys);
  return JSON.stringify(
    keys.map((key) => {
      const entry = manifest[key]!;
      return [key, typeof entry === "string" ? entry : entry.hash];
    }),
  );
}

/** Lowercase hex SHA-256 of the UTF-8 bytes of `canonicalManifest(manifest)`. */
export function manifestDigest(manifest: Manifest | HashManifest): string {
  return createHash("sha256").update(canonicalManifest(manifest), "utf8").digest("hex");
}

/** Plain JS string order, spelled out so no caller reaches for localeCompare (locale-dependent). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
