import { describe, expect, it } from "vitest";
import { hashShard } from "../../src/rules/shards.js";
import { parseShardConfig, splitTenants } from "../../src/tenant-sites/shards.js";
import { TenantSettingsError } from "../../src/tenant-sites/tenant-file.js";

const fleet = Array.from({ length: 40 }, (_, i) => ({ tenant: `t-${i}`, scriptName: `site-${i}` }));

describe("splitTenants", () => {
  it("gives every tenant exactly one of K shards, by its name's hash", () => {
    const splits = [1, 2, 3].map((index) => splitTenants(fleet, { index, count: 3 }));
    const declared = splits.flatMap((s) => s.mine.map((t) => t.tenant)).sort();
    expect(declared).toEqual(fleet.map((t) => t.tenant).sort());
    for (const [i, split] of splits.entries()) {
      for (const t of split.mine) expect(hashShard(t.tenant, 3)).toBe(i + 1);
      // The others' tenants are named by script (what the provider and the orphan watch see).
      expect(split.elsewhere.sort()).toEqual(fleet.filter((t) => hashShard(t.tenant, 3) !== i + 1).map((t) => t.scriptName).sort());
      expect(split.mine.length + split.elsewhere.length).toBe(fleet.length);
    }
  });

  it("an override wins over the hash", () => {
    const tenant = fleet.find((t) => hashShard(t.tenant, 3) !== 2)!;
    const withOverride = fleet.map((t) => (t === tenant ? { ...t, shard: 2 } : t));
    const two = splitTenants(withOverride, { index: 2, count: 3 });
    expect(two.mine.map((t) => t.tenant)).toContain(tenant.tenant);
    expect(two.shardOf[tenant.tenant]).toBe(2);
    expect(splitTenants(withOverride, { index: hashShard(tenant.tenant, 3), count: 3 }).elsewhere).toContain(tenant.scriptName);
  });

  it("an override past the fleet's count names the tenant, the stack's shard and the fix", () => {
    const bad = [{ tenant: "acme", scriptName: "acme", shard: 4 }];
    expect(() => splitTenants(bad, { index: 1, count: 3 })).toThrow(TenantSettingsError);
    expect(() => splitTenants(bad, { index: 1, count: 3 })).toThrow(
      /tenant "acme": "shard": 4 is not one of the fleet's 3 shards \(this stack's wfp-assets:shard is "1\/3"\)\. Give a shard from 1 to 3 in its tenant\.json/,
    );
  });
});

describe("parseShardConfig", () => {
  it("an unset or empty value is an unsharded stack", () => {
    expect(parseShardConfig(undefined)).toBeUndefined();
    expect(parseShardConfig(" ")).toBeUndefined();
    expect(parseShardConfig("3/4")).toEqual({ index: 3, count: 4 });
  });

  it("a bad value names the key, the value, the accepted form and the command", () => {
    expect(() => parseShardConfig("5/4")).toThrow(
      /stack config wfp-assets:shard: shard must be "<index>\/<count>" with 1 ≤ index ≤ count ≤ 1000, e\.g\. "2\/8" for the second of eight shards \(got "5\/4"\)\. Set it with `pulumi config set wfp-assets:shard 2\/8`/,
    );
  });
});
