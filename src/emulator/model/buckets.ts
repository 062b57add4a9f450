/**
 * Server-side bucketing of missing hashes. Cloudflare decides the buckets and clients upload them as given
 * (wrangler never re-splits), so the emulator must keep each bucket's base64 body within a bound — ~50 MiB so
 * that three buckets in flight stay around 150 MiB — and its part count bounded.
 */

export interface BucketLimits {
  /** Max base64 bytes per bucket (a single larger file still gets a bucket of its own). */
  maxBucketBytes: number;
  /** Max files per bucket. */
  maxBucketFiles: number;
}

/** Base64 length of `size` raw bytes (with padding). */
export function base64Length(size: number): number {
  return 4 * Math.ceil(size / 3);
}

/** Groups hashes in order into buckets; each hash appears once. */
export function groupIntoBuckets(missing: Iterable<{ hash: string; size: number }>, limits: BucketLimits): string[][] {
  const buckets: string[][] = [];
  let current: string[] = [];
  let currentBytes = 0;
  const seen = new Set<string>();
  for (const { hash, size } of missing) {
    if (seen.has(hash)) continue;
    seen.add(hash);
    const bytes = base64Length(size);
    if (current.length > 0 && (current.length >= limits.maxBucketFiles || currentBytes + bytes > limits.maxBucketBytes)) {
      buckets.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(hash);
    currentBytes += bytes;
  }
  if (current.length > 0) buckets.push(current);
  return buckets;
}
