/**
 * The I/O around orphans (orphans.ts): the owner-filtered listing of a namespace, and deleting orphans that are still
 * as listed.
 */
import type { CloudflareClient } from "../cloudflare/index.js";
import { listScripts, type ListedScript } from "./list-scripts.js";
import { deleteScript, getScript } from "./observe.js";
import { decideOrphanDelete, type Orphan } from "./orphans.js";
import { ownerTag } from "./ownership.js";

export interface OwnedScripts {
  scripts: ListedScript[];
  /** False when `mayContinue` stopped the listing before its last page. */
  complete: boolean;
}

/**
 * The namespace's scripts that carry `owner`'s tag, filtered by Cloudflare (`?tags=wfp-owner=<owner>:yes`,
 * docs/cloudflare-api.md §16.1): one call per 1,000 of them, however many scripts the namespace holds. `mayContinue` is asked before each
 * call (the orphan warning asks the API budget).
 */
export async function listOwnedScripts(
  client: CloudflareClient,
  accountId: string,
  namespace: string,
  owner: string,
  mayContinue?: () => boolean,
): Promise<OwnedScripts> {
  const { scripts, complete } = await listScripts(client, accountId, namespace, { tags: `${ownerTag(owner)}:yes`, ...(mayContinue ? { mayContinue } : {}) });
  return { scripts: [...scripts.values()], complete };
}

export type OrphanOutcome = { name: string; outcome: "deleted" | "gone" } | { name: string; outcome: "left"; reason: string };

/**
 * Deletes each orphan that is still unchanged since the listing: it reads the script right before deleting it
 * (decideOrphanDelete) and leaves it, with the reason, when it was deployed again or changed hands. What remains is
 * the moment between that read and the delete, which the API offers no condition to close.
 */
export async function deleteOrphans(
  client: CloudflareClient,
  where: { accountId: string; namespace: string },
  orphans: readonly Orphan[],
  owner: string,
  onOutcome?: (outcome: OrphanOutcome) => void,
): Promise<OrphanOutcome[]> {
  const outcomes: OrphanOutcome[] = [];
  for (const orphan of orphans) {
    const target = { ...where, scriptName: orphan.name };
    const decision = decideOrphanDelete(orphan, await getScript(client, target), owner);
    let outcome: OrphanOutcome;
    if (decision.kind === "leave") outcome = { name: orphan.name, outcome: "left", reason: decision.reason };
    else if (decision.kind === "gone") outcome = { name: orphan.name, outcome: "gone" };
    else {
      await deleteScript(client, target);
      outcome = { name: orphan.name, outcome: "deleted" };
    }
    outcomes.push(outcome);
    onOutcome?.(outcome);
  }
  return outcomes;
}
