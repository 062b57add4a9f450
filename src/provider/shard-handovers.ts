/**
 * The tenants this run's program leaves to other shards of its fleet (src/rules/shards.ts), by namespace and owner:
 * the orphan watch's check records them (its `handedOver` input, src/tenant-sites/orphan-watch.ts) and drops them from
 * the inputs it returns, so they reach neither the state nor any later run. Pulumi checks every resource the program
 * registers before it deletes those the program dropped (deletes come last), so a delete of such a tenant finds it
 * here and leaves the script serving for its new shard (src/deploy/ownership.ts `decideDelete`). The names are the
 * fleet's other tenants — (K−1)× this shard's own — which is why they are kept out of every checkpoint.
 *
 * One provider process serves one stack and one run (src/provider/engine.ts), so memory is the right lifetime.
 */
import type { ScriptTarget } from "../cloudflare/index.js";

const handedOver = new Map<string, Set<string>>();

function keyOf(accountId: string, namespace: string | undefined, owner: string | undefined): string {
  return `${accountId}|${namespace ?? ""}|${owner ?? ""}`;
}

/** What the program of this run said: `scriptNames` in the namespace are other shards' tenants. */
export function recordHandovers(where: { accountId: string; namespace: string; owner: string }, scriptNames: readonly string[]): void {
  handedOver.set(keyOf(where.accountId, where.namespace, where.owner), new Set(scriptNames));
}

/** Whether this run's program leaves the script to another shard (for the owner that deployed it). */
export function isHandedOver(target: ScriptTarget, owner: string | undefined): boolean {
  return handedOver.get(keyOf(target.accountId, target.namespace, owner))?.has(target.scriptName) ?? false;
}

/** The names recorded for a namespace and owner (none when the stack is not sharded). */
export function handedOverNames(where: { accountId: string; namespace: string; owner: string }): ReadonlySet<string> {
  return handedOver.get(keyOf(where.accountId, where.namespace, where.owner)) ?? new Set();
}

/** For tests: forget every run. */
export function forgetHandovers(): void {
  handedOver.clear();
}
