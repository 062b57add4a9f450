/**
 * Which archive a body is, from its first bytes only: a client's Content-Type or file name is not trusted
 * (curl -T sends none; browsers guess from the extension).
 */

export type ArchiveFormat = "tar.gz" | "zip";

/** Bytes needed to decide. */
export const SNIFF_BYTES = 4;

const GZIP = [0x1f, 0x8b];
/** "PK\3\4" starts a zip with entries; "PK\5\6" is an empty zip (only the end record). */
const ZIP_LOCAL_FILE = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((byte, i) => bytes[i] === byte);
}

export function detectArchive(head: Uint8Array): ArchiveFormat | undefined {
  if (startsWith(head, GZIP)) return "tar.gz";
  if (startsWith(head, ZIP_LOCAL_FILE) || startsWith(head, ZIP_EMPTY)) return "zip";
  return undefined;
}

/** Compressed inside compressed: gzip or zstd magic where a tar header should start. */
export function looksCompressed(head: Uint8Array): boolean {
  return startsWith(head, GZIP) || startsWith(head, [0x28, 0xb5, 0x2f, 0xfd]);
}
