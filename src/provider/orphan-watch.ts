/**
 * The orphan warning of a `TenantSites` stack (src/deploy/orphans.ts). Its resource (src/tenant-sites/orphan-watch.ts)
 * records the script names the program declared in the namespace; its diff, which Pulumi calls once per
 * `preview` and once per `up`, lists the scripts carrying the stack's owner tag (one call per 1,000, and none when
 * the API budget has no room: the warning is optional, a deploy is not) and warns once with those nobody declares.
 *
 * Why a resource: "declared by the stack" means declared by the program *or still in its state*. A tenant removed
 * from the program is in state until this update deletes it, so it is no orphan; a script a crashed run uploaded
 * never reached state, so it is one. The program cannot read its state; a provider's diff gets the resource's last
 * outputs — the names declared at the last update that got this far (it depends on every tenant, so it is written
 * after they are). Scripts named there or in the program are not orphans.
 *
 * The namespace snapshot (namespace-snapshots.ts) does not fit: list items carry no tags (docs/cloudflare-api.md §8), so only the
 * server-side `?tags=` filter tells which scripts are the stack's.
 */
import { z } from "zod";
import { callsAllowedNow } from "../cloudflare/index.js";
import { RequestBudget, type CloudflareClient } from "../cloudflare/index.js";
import { describeOrphans, findOrphans } from "../deploy/orphans.js";
import { listOwnedScripts } from "../deploy/owned-scripts.js";
import { ownerTag } from "../deploy/ownership.js";
import { warn } from "./engine-log.js";
import { containsUnknown } from "./inputs.js";
import { withoutInternalKeys } from "./plan.js";
import { createClient, type ProviderConfig } from "./settings.js";
import { handedOverNames, recordHandovers } from "./shard-handovers.js";

/** Marks the watch's inputs, so the one serialized provider (shell.ts) serves both resource kinds. */
export const ORPHAN_WATCH_KIND = "orphan-watch";

export const orphanWatchInputsSchema = z
  .object({
    kind: z.literal(ORPHAN_WATCH_KIND),
    /** The TenantSites component's name, for the warning. */
    component: z.string(),
    accountId: z.string(),
    namespace: z.string(),
    owner: z.string(),
    declared: z.array(z.string()),
    /** A sharded stack's tenants of other shards: kept for this run only (shard-handovers.ts), dropped by check. */
    handedOver: z.array(z.string()).optional(),
  })
  .strict();
export type OrphanWatchInputs = z.infer<typeof orphanWatchInputsSchema>;

export function isOrphanWatch(props: Record<string, unknown> | undefined): boolean {
  return props?.kind === ORPHAN_WATCH_KIND;
}

export function checkOrphanWatch(news: Record<string, unknown>): { inputs?: Record<string, unknown>; failures?: Array<{ property: string; reason: string }> } {
  // The handed-over names go to this process's memory, not to the state: the inputs returned here are what is stored.
  const { handedOver, ...stored } = news;
  if (containsUnknown(stored)) return { inputs: stored };
  const known = containsUnknown(handedOver) ? stored : news;
  const parsed = orphanWatchInputsSchema.safeParse(withoutInternalKeys(known));
  if (!parsed.success) return { failures: parsed.error.issues.map((i) => ({ property: String(i.path[0] ?? ""), reason: i.message })) };
  if (parsed.data.handedOver !== undefined) recordHandovers(parsed.data, parsed.data.handedOver);
  return { inputs: stored };
}

/** Same names, same target: nothing to record. (The order of `declared` is the program's; sorted there.) */
export function diffOrphanWatch(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
  const keys = ["accountId", "namespace", "owner", "declared"] as const;
  return keys.some((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
}

/** One warning per namespace and owner per provider process (two TenantSites on one namespace warn once). */
const warned = new Set<string>();

/**
 * Lists the owner's scripts and warns about the undeclared ones. Never fails the diff: a listing that fails says so
 * in a warning, and a budget with no room skips the listing without a word.
 */
export async function warnAboutOrphans(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  config: ProviderConfig,
  say: (message: string) => Promise<void> = warn,
): Promise<void> {
  if (containsUnknown(news)) return;
  const parsed = orphanWatchInputsSchema.safeParse(withoutInternalKeys(news));
  if (!parsed.success) return;
  const inputs = parsed.data;
  let client: CloudflareClient | undefined;
  try {
    client = createClient(config);
    const key = `${client.baseUrl}|${inputs.accountId}|${inputs.namespace}|${inputs.owner}`;
    if (warned.has(key)) return;
    warned.add(key);
    const budget = client.budget;
    const settings = client.settings.budget;
    const mayContinue = () => callsAllowedNow(budget.snapshot(), settings, budget instanceof RequestBudget ? budget.blockedForMs() : 0) >= 1;
    const owned = await listOwnedScripts(client, inputs.accountId, inputs.namespace, inputs.owner, mayContinue);
    const sameTarget = olds.accountId === inputs.accountId && olds.namespace === inputs.namespace && Array.isArray(olds.declared);
    const recorded = sameTarget ? (olds.declared as unknown[]).filter((n): n is string => typeof n === "string") : [];
    // Another shard's tenant that still carries this stack's tag is waiting for that shard's `up`, not orphaned.
    const orphans = findOrphans(owned.scripts, [...inputs.declared, ...recorded, ...handedOverNames(inputs)]);
    if (orphans.length === 0) return;
    const one = orphans.length === 1;
    await say(
      `TenantSites "${inputs.component}": ${orphans.length} script${one ? "" : "s"} in dispatch namespace "${inputs.namespace}" ` +
        `${one ? "carries" : "carry"} this stack's owner tag (${ownerTag(inputs.owner)}) but no resource of the stack declares ${one ? "it" : "them"}` +
        `${owned.complete ? "" : " (the listing stopped early to stay within the API budget; there may be more)"}: ${describeOrphans(orphans)}. ` +
        `${one ? "It keeps" : "They keep"} serving. To delete those not deployed again since: ` +
        `pulumi stack export | wfp-assets orphans --account ${inputs.accountId} --namespace ${inputs.namespace} --owner ${inputs.owner} --declared-file - --delete ` +
        "(README, \"Orphans\").",
    );
  } catch (error) {
    await say(`TenantSites "${inputs.component}": could not check dispatch namespace "${inputs.namespace}" for orphaned scripts: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await client?.close();
  }
}

/** For tests: warn again. */
export function forgetOrphanWarnings(): void {
  warned.clear();
}
