import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashShard, MAX_SHARDS, shardSchema, tenantShardSchema } from "../../src/rules/shards.js";

/** The shards of three demo tenants at K = 8, as of the first release with shards (changing them moves tenants). */
const PINNED = [7, 1, 2];

const names = (n: number, prefix = "tenant-"): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, "0")}`);

describe("shardSchema: the wfp-assets:shard value", () => {
  it("reads 1-based <index>/<count>", () => {
    expect(shardSchema.parse("2/8")).toEqual({ index: 2, count: 8 });
    expect(shardSchema.parse(" 1 / 1 ")).toEqual({ index: 1, count: 1 });
    expect(shardSchema.parse(`${MAX_SHARDS}/${MAX_SHARDS}`)).toEqual({ index: MAX_SHARDS, count: MAX_SHARDS });
  });

  it.each(["0/8", "9/8", "2", "2/0", "a/b", "2/8/1", "-1/4", "1.5/4", `1/${MAX_SHARDS + 1}`])("refuses %j, quoting it and the accepted form", (text) => {
    const parsed = shardSchema.safeParse(text);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain(`(got ${JSON.stringify(text)})`);
    expect(parsed.error?.issues[0]?.message).toContain('e.g. "2/8" for the second of eight shards');
  });

  it("a tenant's override is a whole number from 1", () => {
    expect(tenantShardSchema.parse(3)).toBe(3);
    for (const bad of [0, 1.5, -2, "3"]) expect(tenantShardSchema.safeParse(bad).success).toBe(false);
  });
});

describe("hashShard: rendezvous hashing of the tenant's name", () => {
  it("is pinned: the documented algorithm, so any tool (and every release) computes the same shards", () => {
    // Written out again from the description in src/rules/shards.ts; if these differ, tenants would move on upgrade.
    const fmix32 = (x: number): number => {
      let h = x >>> 0;
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      return (h ^ (h >>> 16)) >>> 0;
    };
    for (const tenant of ["acme", "docs-site", "tenant-00042", "ünïcode"]) {
      const digest = createHash("sha256").update(tenant).digest();
      const scores = [1, 2, 3, 4, 5].map((j) => fmix32(digest.readUInt32BE(0) ^ fmix32(digest.readUInt32BE(4) + j)));
      expect(hashShard(tenant, 5)).toBe(scores.indexOf(Math.max(...scores)) + 1);
    }
    expect([hashShard("acme", 8), hashShard("docs-site", 8), hashShard("spa-shop", 8)]).toEqual(PINNED);
    expect(hashShard("anything", 1)).toBe(1);
  });

  it("spreads 10,000 tenants evenly over K shards", () => {
    const tenants = names(10_000);
    for (const k of [2, 3, 8, 16]) {
      const counts = new Array<number>(k + 1).fill(0);
      for (const t of tenants) counts[hashShard(t, k)]!++;
      const expected = tenants.length / k;
      const worst = Math.max(...counts.slice(1).map((c) => Math.abs(c - expected) / expected));
      console.log(`K=${k}: tenants per shard ${counts.slice(1).join(", ")} (worst ${(worst * 100).toFixed(1)}% off ${expected.toFixed(0)})`);
      expect(counts[0]).toBe(0);
      expect(worst).toBeLessThan(0.1);
    }
  });

  it("K → K+1 moves about 1/(K+1) of 10,000 tenants, every one of them into the new shard", () => {
    const tenants = names(10_000);
    const rows: string[] = [];
    for (const k of [1, 2, 3, 4, 7, 8, 15, 16]) {
      let moved = 0;
      let elsewhere = 0;
      for (const t of tenants) {
        const after = hashShard(t, k + 1);
        if (hashShard(t, k) !== after) {
          moved++;
          if (after !== k + 1) elsewhere++;
        }
      }
      expect(elsewhere).toBe(0);
      const ideal = tenants.length / (k + 1);
      rows.push(`K ${k} → ${k + 1}: ${moved} of ${tenants.length} move (${((moved / tenants.length) * 100).toFixed(2)}%; 1/(K+1) = ${((1 / (k + 1)) * 100).toFixed(2)}%)`);
      expect(Math.abs(moved - ideal) / ideal).toBeLessThan(0.1);
    }
    console.log(rows.join("\n"));
  });

  it("a tenant's shard depends on its name only: other tenants coming and going move nobody", () => {
    const fleet = names(2_000);
    const before = new Map(fleet.map((t) => [t, hashShard(t, 6)]));
    const grown = [...fleet.filter((_, i) => i % 3 !== 0), ...names(500, "new-")];
    for (const t of grown) if (before.has(t)) expect(hashShard(t, 6)).toBe(before.get(t));
  });
});
