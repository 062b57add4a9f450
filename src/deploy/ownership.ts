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
  | { kind: "refuse"; message: string };

/** Create over an existing script is a decision, not an accident. */
export function decideCreate(target: ScriptTarget, live: LiveScript | undefined, owner: string, adopt: boolean): CreateDecision {
  if (live === undefined) return { kind: "create" };
  const liveOwner = ownerOf(live.tags);
  if (liveOwner === owner) return { kind: "same-stack" };
  if (adopt) return { kind: "adopt", previousOwner: liveOwner };
  return {
    kind: "refuse",
    message:
      `The script ${describeTarget(target)} already exists and is not managed by this stack ("${owner}"): ${describeOwner(liveOwner)}. ` +
      "Creating it here would overwrite a live site. To take it over, set `adopt: true` on the resource (in a tenant.json: \"adopt\": true) " +
      "and run again; otherwise choose another scriptName.",
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
): UpdateDecision {
  const liveOwner = ownerOf(live?.tags);
  if (live === undefined || liveOwner === undefined || liveOwner === owners.previous || liveOwner === owners.next || adopt) {
    return { kind: "update" };
  }
  return {
    kind: "refuse",
    message:
      `The script ${describeTarget(target)} is now managed by the Pulumi stack "${liveOwner}" (it was adopted there), so this stack ("${owners.next}") ` +
      "will not overwrite it. Remove the resource from this program (its delete then leaves the script in place), or set `adopt: true` to take it back.",
  };
}

/** What this resource knew about the script after its last deploy or refresh. */
export interface RecordedScript {
  owner?: string;
  modifiedOn?: string;
  etag?: string;
}

export type DeleteDecision = { kind: "delete" } | { kind: "gone" } | { kind: "leave"; reason: string };

/** Delete only what this resource still owns: nobody may have deployed the script since we last looked. */
export function decideDelete(live: LiveScript | undefined, recorded: RecordedScript): DeleteDecision {
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
