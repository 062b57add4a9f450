/**
 * Sharding a fleet of tenants over K Pulumi stacks: the forms a shard is written in, and which shard a tenant belongs
 * to. Pure; src/tenant-sites/shards.ts applies it to tenant folders and src/deploy/ownership.ts decides the handovers.
 *
 * A shard is written `"<index>/<count>"`, 1-based as jest's and playwright's `--shard` (`"2/8"`: the second of eight),
 * in the stack config key `wfp-assets:shard` — read by the program (which tenants to declare) and by the provider
 * (which owners it may take a tenant over from), so it lives in one place that both see.
 *
 * The assignment is rendezvous (highest-random-weight) hashing of the tenant folder's name: each shard j in 1..K gets
 * a score from the tenant's SHA-256 and j (`hashShard`), and the tenant goes to the highest score. So:
 * - it depends on the tenant's name and K only: adding or removing other tenants moves nobody;
 * - going from K to K+1 shards moves exactly the tenants for which the new shard scores highest — 1/(K+1) of them on
 *   average, all into the new shard (test/rules/shards.test.ts measures it on 10,000 names);
 * - any tool can compute it again (a CI job listing a shard's tenants, a script in another language).
 */
import { createHash } from "node:crypto";
import { z } from "zod";

/** More shards than this is a typo: a 100,000-tenant fleet at 1,000 shards has 100 tenants per stack. */
export const MAX_SHARDS = 1000;

/** The stack config key that makes a stack one shard of a fleet (`pulumi config set wfp-assets:shard 2/8`). */
export const SHARD_CONFIG_KEY = "wfp-assets:shard";

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

const ACCEPTED = `"<index>/<count>" with 1 ≤ index ≤ count ≤ ${MAX_SHARDS}, e.g. "2/8" for the second of eight shards`;

/** `"2/8"` → `{ index: 2, count: 8 }`; every other text is an issue that quotes it and says the accepted form. */
export const shardSchema = z.string().transform((text, ctx): Shard => {
  const match = /^\s*(\d{1,4})\s*\/\s*(\d{1,4})\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || count > MAX_SHARDS || index < 1 || index > count) {
    ctx.addIssue({ code: "custom", message: `shard must be ${ACCEPTED} (got ${JSON.stringify(text)})` });
    return z.NEVER;
  }
  return { index, count };
});

/** A tenant's explicit shard in its tenant.json (`"shard": 3`); that it is at most K is checked against the stack's K. */
export const tenantShardSchema = z
  .number({ error: "shard must be a whole number from 1 to the fleet's shard count" })
  .int({ error: "shard must be a whole number from 1 to the fleet's shard count" })
  .min(1, { error: "shard must be at least 1 (shards are numbered from 1, as in wfp-assets:shard \"1/8\")" })
  .max(MAX_SHARDS, { error: `shard must be at most ${MAX_SHARDS}` });

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** MurmurHash3's 32-bit finalizer: every input bit flips each output bit with probability ~1/2. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The shard (1..count) a tenant's name hashes to. With `a`, `b` the first two big-endian 32-bit words of
 * SHA-256(tenant), shard j scores fmix32(a XOR fmix32(b + j mod 2^32)); the highest score wins, a tie the lower j.
 * One SHA-256 per tenant and K integer mixes: a 100,000-tenant program at K = 16 spends well under a second here.
 */
export function hashShard(tenant: string, count: number): number {
  const digest = createHash("sha256").update(tenant, "utf8").digest();
  const a = digest.readUInt32BE(0);
  const b = digest.readUInt32BE(4);
  let best = 1;
  let bestScore = -1;
  for (let index = 1; index <= count; index++) {
    const score = fmix32(a ^ fmix32((b + index) >>> 0));
    if (score > bestScore) [best, bestScore] = [index, score];
  }
  return best;
}
