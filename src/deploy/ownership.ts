/**
 * Who may overwrite or delete a live script. Pure decisions; the provider (src/provider/lifecycle.ts) does the I/O.
 *
 * The owner marker is one reserved script tag, `wfp-owner=<project>/<stack>`, stored by Cloudflare with the script
 * (sent in the PUT metadata, read back from the script GET). Scripts carry at most 8 tags, so 7 remain for the user
 * (src/rules/tags.ts).
 * Together with `modified_on` — which changes on every upload (docs/cloudflare-api.md §15.3) — it answers the two questions a
 * refactor raises:
 * - create: does the script already exist, and is it this stack's? (a rename or move within a stack is a create of
 *   the new URN over the same script; another stack's or a hand-deployed script is only taken over on request);
 * - delete: has anyone deployed the script since this resource last deployed or refreshed it? (after a rename, the
 *   new resource has; after an adoption, the other stack has; after `wrangler deploy`, a person has).
 *
 * Shards (src/rules/shards.ts): the stacks of one project that each declare a share of a fleet hand tenants to each
 * other when the count changes or a tenant's override does. Either of the two `pulumi up`s may run first, and the site
 * must serve throughout, so each side acts without the other:
 * - the new shard's create takes the script over from another stack of the same project ("handover"), where any
 *   other stack's create would be refused — only a stack configured as a shard does this, and only from its project;
 * - the old shard's delete of a tenant its program now leaves to another shard ("handed over") leaves the script
 *   serving, whoever holds it by then, where any other delete of an unchanged script deletes it.
 * Before the new shard's `up`, the old shard's tag stays on the script (it serves, it is no orphan); after it, the new
 * shard's tag is there, and the old shard's delete has nothing to decide.
 */
import type { ScriptTarget } from "../cloudflare/index.js";
import { describeTarget } from "./script.js";
import type { LiveScript } from "./types.js";
import { OWNER_TAG_PREFIX } from "../rules/index.js";

export function ownerTag(owner: string): string {
  return `${OWNER_TAG_PREFIX}${owner}`;
}

/** The owner recorded in a script's tags, if any. */
export function ownerOf(tags: readonly string[] | undefined): string | undefined {
  const tag = tags?.find((t) => t.startsWith(OWNER_TAG_PREFIX));
  return tag === undefined ? undefined : tag.slice(OWNER_TAG_PREFIX.length);
}

/** The full tag list a deploy sends: the user's tags, then the owner tag (the PUT replaces tags wholesale). */
export function tagsWithOwner(userTags: readonly string[] | undefined, owner: string | undefined): string[] {
  const tags = [...(userTags ?? [])];
  if (owner !== undefined) tags.push(ownerTag(owner));
  return tags;
}

/** The project of an owner marker's `<project>/<stack>` (Pulumi project names hold no "/"). */
export function projectOf(owner: string): string {
  const slash = owner.indexOf("/");
  return slash < 0 ? owner : owner.slice(0, slash);
}

/** Another stack of the same project: in a sharded fleet, another shard (or the one stack the fleet was split from). */
function siblingStack(liveOwner: string | undefined, owner: string): liveOwner is string {
  return liveOwner !== undefined && liveOwner !== owner && projectOf(liveOwner) === projectOf(owner);
}

function describeOwner(owner: string | undefined): string {
  return owner === undefined
    ? "it carries no owner tag, so it was deployed by wrangler, the dashboard, another tool or an older version of this package"
    : `it is managed by the Pulumi stack "${owner}"`;
}

export type CreateDecision =
  | { kind: "create" }
  /** The script exists and is this stack's own: a renamed or moved resource, or a create interrupted before. */
  | { kind: "same-stack" }
  | { kind: "adopt"; previousOwner: string | undefined }
  /** A shard takes a tenant over from another shard of its fleet (another stack of the same project). */
  | { kind: "handover"; previousOwner: string }
  | { kind: "refuse"; message: string };

/**
 * Create over an existing script is a decision, not an accident. `shard`: this stack is one shard of a fleet (stack
 * config `wfp-assets:shard`), so it takes its tenants over from the project's other stacks.
 */
export function decideCreate(target: ScriptTarget, live: LiveScript | undefined, owner: string, adopt: boolean, shard = false): CreateDecision {
  if (live === undefined) return { kind: "create" };
  const liveOwner = ownerOf(live.tags);
  if (liveOwner === owner) return { kind: "same-stack" };
  if (adopt) return { kind: "adopt", previousOwner: liveOwner };
  if (shard && siblingStack(liveOwner, owner)) return { kind: "handover", previousOwner: liveOwner };
  const shardHint = siblingStack(liveOwner, owner)
    ? " If both stacks are shards of one fleet, set `wfp-assets:shard` in this stack's config (e.g. `pulumi config set wfp-assets:shard 2/8`) so it takes its tenants over from the other shards."
    : "";
  return {
    kind: "refuse",
    message:
      `The script ${describeTarget(target)} already exists and is not managed by this stack ("${owner}"): ${describeOwner(liveOwner)}. ` +
      "Creating it here would overwrite a live site. To take it over, set `adopt: true` on the resource (in a tenant.json: \"adopt\": true) " +
      `and run again; otherwise choose another scriptName.${shardHint}`,
  };
}

export type UpdateDecision = { kind: "update" } | { kind: "refuse"; message: string };

/**
 * An update overwrites the script this resource deployed. It refuses only when another stack has taken the script over
 * since (an `adopt`), so two stacks never fight over one site; a hand deploy without our tag is drift and is put back.
 */
export function decideUpdate(
  target: ScriptTarget,
  live: LiveScript | undefined,
  owners: { previous: string | undefined; next: string },
  adopt: boolean,
  shard = false,
): UpdateDecision {
  const liveOwner = ownerOf(live?.tags);
  if (live === undefined || liveOwner === undefined || liveOwner === owners.previous || liveOwner === owners.next || adopt) {
    return { kind: "update" };
  }
  // Two shards that both declare a tenant disagree about its shard: they would take it from each other on every run.
  const shardHint =
    shard && siblingStack(liveOwner, owners.next)
      ? " Both stacks are shards of this project and both declare it, so they disagree about its shard: give every shard's wfp-assets:shard the same count, and check the tenant's \"shard\" override."
      : "";
  return {
    kind: "refuse",
    message:
      `The script ${describeTarget(target)} is now managed by the Pulumi stack "${liveOwner}" (it was adopted there), so this stack ("${owners.next}") ` +
      `will not overwrite it. Remove the resource from this program (its delete then leaves the script in place), or set \`adopt: true\` to take it back.${shardHint}`,
  };
}

/** What this resource knew about the script after its last deploy or refresh. */
export interface RecordedScript {
  owner?: string;
  modifiedOn?: string;
  etag?: string;
}

export type DeleteDecision = { kind: "delete" } | { kind: "gone" } | { kind: "leave"; reason: string } | { kind: "handed-over" };

/**
 * Delete only what this resource still owns: nobody may have deployed the script since we last looked. `handedOver`:
 * the program now leaves this tenant to another shard of the fleet, so the script serves on for that shard to take
 * over (or already has) — decided without reading it.
 */
export function decideDelete(live: LiveScript | undefined, recorded: RecordedScript, handedOver = false): DeleteDecision {
  if (handedOver) return { kind: "handed-over" };
  if (live === undefined) return { kind: "gone" };
  const liveOwner = ownerOf(live.tags);
  if (recorded.owner !== undefined && liveOwner !== recorded.owner) {
    return {
      kind: "leave",
      reason: liveOwner === undefined ? "its owner tag is gone (someone redeployed it without this stack's tag)" : `it is now managed by the Pulumi stack "${liveOwner}"`,
    };
  }
  if (recorded.modifiedOn && live.modifiedOn) {
    if (live.modifiedOn !== recorded.modifiedOn) {
      return {
        kind: "leave",
        reason:
          `it was deployed again since this resource last deployed or refreshed it (modified ${live.modifiedOn}; this resource recorded ${recorded.modifiedOn}) ` +
          "— by another resource of this stack after a rename or a move, by another stack, or by hand",
      };
    }
    return { kind: "delete" };
  }
  // No timestamps to compare (an answer without modified_on): the content hash is the next best witness.
  if (recorded.etag && live.etag && live.etag !== recorded.etag) {
    return { kind: "leave", reason: `its content changed since this resource last deployed or refreshed it (etag ${live.etag}, recorded ${recorded.etag})` };
  }
  return { kind: "delete" };
}
