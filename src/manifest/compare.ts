import { compareKeys } from "./digest.js";
import type { Manifest } from "./types.js";

export interface ManifestChanges {
  /** keys only in `next` */
  added: string[];
  /** keys in both whose hash or size differ */
  changed: string[];
  /** keys only in `previous` */
  removed: string[];
}

/** Key-level difference between two manifests; each list sorted in plain JS string order. */
export function compareManifests(previous: Manifest, next: Manifest): ManifestChanges {
  const has = (manifest: Manifest, key: string) => Object.prototype.hasOwnProperty.call(manifest, key);
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  for (const key of Object.keys(next)) {
    if (!has(previous, key)) added.push(key);
    else if (previous[key]!.hash !== next[key]!.hash || previous[key]!.size !== next[key]!.size) changed.push(key);
  }
  for (const key of Object.keys(previous)) if (!has(next, key)) removed.push(key);
  return { added: added.sort(compareKeys), changed: changed.sort(compareKeys), removed: removed.sort(compareKeys) };
}
