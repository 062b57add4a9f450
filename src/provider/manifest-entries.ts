import { createHash } from "node:crypto";
import { manifestDigest } from "../manifest/index.js";
import type { ManifestInputValue } from "../rules/manifest-input.js";

// The input's schema is part of the resource's contract (src/rules/user-worker-assets.ts).
export { manifestInputSchema, type ManifestInputValue } from "../rules/manifest-input.js";

/** The entries of a manifest input, as a map. */
export function manifestEntries(manifest: ManifestInputValue): Record<string, string> {
  return typeof manifest === "string" ? (JSON.parse(manifest) as Record<string, string>) : manifest;
}

/**
 * `manifestDigest` (src/manifest/digest.ts) of a manifest text, computed while reading the text when its keys are in
 * ascending order (as the program writes them) — without the 100,000 entry objects, their sorted key list and the
 * canonical text that parsing it first would hold at once (~40 MiB for 100,000 files, bench/README.md site-100k).
 * Any other text (keys out of order, duplicates, other shapes) is parsed and digested as before.
 */
export function manifestTextDigest(text: string): string {
  return sortedTextDigest(text) ?? manifestDigest(manifestEntries(text));
}

/** Bytes of canonical text handed to the hash at once: one `update` per entry would cost more than the hashing. */
const HASH_CHUNK_CHARS = 64 * 1024;

/** The digest of a flat object text of strings with strictly ascending keys; undefined for any other text. */
function sortedTextDigest(text: string): string | undefined {
  const hash = createHash("sha256");
  let chunk = "[";
  let previous: string | undefined;
  let first = true;
  let at = skipSpace(text, 0);
  if (text.charCodeAt(at) !== 0x7b /* { */) return undefined;
  at = skipSpace(text, at + 1);
  let more = text.charCodeAt(at) !== 0x7d; /* } */
  if (!more) at++;
  while (more) {
    const key = readString(text, at);
    if (!key) return undefined;
    at = skipSpace(text, key.end);
    if (text.charCodeAt(at) !== 0x3a /* : */) return undefined;
    const value = readString(text, skipSpace(text, at + 1));
    if (!value) return undefined;
    if (previous !== undefined && !(previous < key.value)) return undefined; // compareKeys order, and no duplicates
    previous = key.value;
    chunk += `${first ? "" : ","}[${key.canonical},${value.canonical}]`;
    first = false;
    if (chunk.length >= HASH_CHUNK_CHARS) {
      hash.update(chunk, "utf8");
      chunk = "";
    }
    at = skipSpace(text, value.end);
    const next = text.charCodeAt(at++);
    if (next === 0x7d /* } */) more = false;
    else if (next !== 0x2c /* , */) return undefined;
    else at = skipSpace(text, at);
  }
  if (skipSpace(text, at) !== text.length) return undefined;
  hash.update(`${chunk}]`, "utf8");
  return hash.digest("hex");
}

function skipSpace(text: string, at: number): number {
  for (let c = text.charCodeAt(at); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(++at));
  return at;
}

/**
 * The JSON string starting at `at`: its value, its text as `JSON.stringify` writes it, and where it ends. A string
 * without escapes or surrogates is written back as it stands; any other is decoded and re-encoded, so that the
 * canonical text never depends on how the program escaped it.
 */
function readString(text: string, at: number): { value: string; canonical: string; end: number } | undefined {
  if (text.charCodeAt(at) !== 0x22 /* " */) return undefined;
  let plain = true;
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const raw = text.slice(at, i + 1);
      if (plain) return { value: raw.slice(1, -1), canonical: raw, end: i + 1 };
      const value = JSON.parse(raw) as string;
      return { value, canonical: JSON.stringify(value), end: i + 1 };
    }
    if (c < 0x20) return undefined; // not JSON; the fallback's parse says so
    if (c === 0x5c /* \ */) {
      plain = false;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) plain = false;
  }
  return undefined;
}

/** Characters a map entry of the older form stands for, about those of one entry of the text. */
const MAP_ENTRY_CHARS = 64;

/** About how many characters the manifest input of `inputs` holds: what sizes the engine's decoding of the call. */
export function manifestInputChars(inputs: Record<string, unknown>): number {
  const manifest = inputs.manifest;
  if (typeof manifest === "string") return manifest.length;
  return manifest !== null && typeof manifest === "object" ? Object.keys(manifest).length * MAP_ENTRY_CHARS : 0;
}
