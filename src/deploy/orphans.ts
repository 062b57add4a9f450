/**
 * Orphans: scripts of a dispatch namespace that carry a stack's owner tag (`wfp-owner=<project>/<stack>`,
 * ownership.ts) but that no resource of the stack declares — left in place after a "Left the script … in place"
 * warning, created by a run that crashed between the script upload and its state write, or a tenant dropped by a
 * refactor that never reached state. Pure decisions; owned-scripts.ts does the I/O.
 */
import { ownerOf } from "./ownership.js";
import type { ListedScript } from "./list-scripts.js";
import type { LiveScript } from "./types.js";

export interface Orphan {
  name: string;
  /** As the owner-filtered listing gave it: what a later delete compares against. */
  modifiedOn: string | undefined;
}

/** The listed scripts (already filtered by the owner tag) that `declared` does not name, by name. */
export function findOrphans(owned: Iterable<ListedScript>, declared: Iterable<string>): Orphan[] {
  const known = new Set(declared);
  return [...owned]
    .filter((script) => !known.has(script.id))
    .map((script) => ({ name: script.id, modifiedOn: script.modifiedOn }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export type OrphanDeleteDecision = { kind: "delete" } | { kind: "gone" } | { kind: "leave"; reason: string };

/**
 * Delete an orphan only if it is still exactly what the listing showed: the same `modified_on` (every upload changes
 * it, docs/cloudflare-api.md §15.3) and still this stack's owner tag. Anything else means someone deployed it since — a stack that now
 * declares it again, another stack that adopted it, a person — and deleting it would take a live site down.
 */
export function decideOrphanDelete(orphan: Orphan, live: LiveScript | undefined, owner: string): OrphanDeleteDecision {
  if (live === undefined) return { kind: "gone" };
  const liveOwner = ownerOf(live.tags);
  if (liveOwner !== owner) {
    return { kind: "leave", reason: liveOwner === undefined ? "it no longer carries an owner tag" : `it now belongs to the stack "${liveOwner}"` };
  }
  if (!sameInstant(orphan.modifiedOn, live.modifiedOn)) {
    return { kind: "leave", reason: `it was deployed again since the listing (modified_on ${orphan.modifiedOn ?? "unknown"} → ${live.modifiedOn})` };
  }
  return { kind: "delete" };
}

/** A list item and a script GET may format one instant differently (fractional seconds); compare instants. */
function sameInstant(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const [x, y] = [Date.parse(a), Date.parse(b)];
  return Number.isFinite(x) && Number.isFinite(y) ? x === y : a === b;
}

/** "acme (modified 2026-12-07T10:00:00Z), beta (…)" — names with the time a reader needs to tell them apart. */
export function describeOrphans(orphans: readonly Orphan[], max = 20): string {
  const shown = orphans.slice(0, max).map((o) => `${o.name} (modified ${o.modifiedOn ?? "unknown"})`);
  if (orphans.length > max) shown.push(`and ${orphans.length - max} more`);
  return shown.join(", ");
}
