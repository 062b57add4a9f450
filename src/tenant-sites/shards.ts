/**
 * Which tenant folders one shard of a fleet declares (the rules: src/rules/shards.ts). Pure: the caller lists the
 * folders and reads their tenant.json files.
 */
import { formatShard, hashShard, SHARD_CONFIG_KEY, shardSchema, type Shard } from "../rules/shards.js";
import { TenantSettingsError } from "./tenant-file.js";

export interface ShardedTenant {
  tenant: string;
  scriptName: string;
  /** The tenant.json / code override, if any (1-based). */
  shard?: number;
}

export interface ShardSplit<T extends ShardedTenant> {
  /** The tenants this shard declares. */
  mine: T[];
  /**
   * Script names of the tenants other shards declare. A tenant this stack held before (K changed, or an override)
   * is handed over: its delete leaves the script serving for the new shard to take over (src/deploy/ownership.ts).
   */
  elsewhere: string[];
  /** Shard (1-based) by tenant folder, for every tenant of the fleet. */
  shardOf: Record<string, number>;
}

/** Every tenant's shard, and this shard's share; an override beyond the fleet's count fails naming the tenant. */
export function splitTenants<T extends ShardedTenant>(tenants: readonly T[], shard: Shard): ShardSplit<T> {
  const split: ShardSplit<T> = { mine: [], elsewhere: [], shardOf: {} };
  for (const t of tenants) {
    if (t.shard !== undefined && t.shard > shard.count) {
      throw new TenantSettingsError(
        `tenant "${t.tenant}": "shard": ${t.shard} is not one of the fleet's ${shard.count} shards (this stack's ${SHARD_CONFIG_KEY} is "${formatShard(shard)}"). ` +
          `Give a shard from 1 to ${shard.count} in its tenant.json, or remove "shard" to let the tenant's name choose.`,
      );
    }
    const index = t.shard ?? hashShard(t.tenant, shard.count);
    split.shardOf[t.tenant] = index;
    if (index === shard.index) split.mine.push(t);
    else split.elsewhere.push(t.scriptName);
  }
  return split;
}

/** The stack's shard from its config value (undefined: not sharded); a bad value names the key, the value and the form. */
export function parseShardConfig(value: string | undefined): Shard | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const parsed = shardSchema.safeParse(value);
  if (!parsed.success) {
    throw new TenantSettingsError(
      `stack config ${SHARD_CONFIG_KEY}: ${parsed.error.issues.map((issue) => issue.message).join("; ")}. ` +
        `Set it with \`pulumi config set ${SHARD_CONFIG_KEY} 2/8\` (one value per stack), or remove it for an unsharded stack.`,
    );
  }
  return parsed.data;
}
