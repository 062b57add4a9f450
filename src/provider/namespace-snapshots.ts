/**
 * What the provider process last saw of each dispatch namespace, shared by every resource of the stack.
 *
 * Every `UserWorkerAssets` of a stack runs in one dynamic-provider process. A refresh calls read() once per resource,
 * and a cold `up` calls create() once per resource; asking Cloudflare about each script separately costs one call per
 * tenant, which at 1,200 calls per 5 minutes (docs/cloudflare-api.md §15.1) is what a fleet cannot afford. One namespace list (up to 1,000
 * scripts per call, with `modified_on`) answers "does it exist, and has it changed since we last looked?" for all of
 * them; only scripts that did change are read one by one.
 *
 * A snapshot lives for SNAPSHOT_TTL_MS. This process's own deploys and deletes are written into it, so it stays true
 * for the rest of the operation; changes by others within the TTL are the same race a per-script read has between
 * its read and the upload that follows.
 */
import type { CloudflareClient, ScriptTarget } from "../cloudflare/index.js";
import { listNamespaceScripts, type ListedScript, type LiveScript } from "../deploy/index.js";

export const SNAPSHOT_TTL_MS = 30_000;

interface Snapshot {
  takenAt: number;
  scripts: Promise<Map<string, ListedScript>>;
}

const snapshots = new Map<string, Snapshot>();

function keyOf(baseUrl: string, target: ScriptTarget): string {
  return `${baseUrl}|${target.accountId}|${target.namespace}`;
}

/**
 * The namespace's scripts as of at most SNAPSHOT_TTL_MS ago; concurrent callers share one listing. Undefined for
 * account scripts (no namespace to list).
 */
export async function listedScript(
  client: CloudflareClient,
  target: ScriptTarget,
  now: () => number = Date.now,
): Promise<{ listed: ListedScript | undefined } | undefined> {
  if (target.namespace === undefined) return undefined;
  const key = keyOf(client.baseUrl, target);
  let snapshot = snapshots.get(key);
  if (snapshot === undefined || now() - snapshot.takenAt > SNAPSHOT_TTL_MS) {
    snapshot = { takenAt: now(), scripts: listNamespaceScripts(client, target.accountId, target.namespace) };
    snapshots.set(key, snapshot);
    // A failed listing is not cached: the next caller tries again (and reports its own error).
    snapshot.scripts.catch(() => {
      if (snapshots.get(key) === snapshot) snapshots.delete(key);
    });
  }
  return { listed: (await snapshot.scripts).get(target.scriptName) };
}

/** Writes this process's own deploy (or, with `undefined`, delete) into a snapshot it may still answer from. */
export function recordScript(baseUrl: string, target: ScriptTarget, live: LiveScript | undefined): void {
  if (target.namespace === undefined) return;
  const snapshot = snapshots.get(keyOf(baseUrl, target));
  if (snapshot === undefined) return;
  snapshot.scripts = snapshot.scripts.then((scripts) => {
    if (live === undefined) scripts.delete(target.scriptName);
    else scripts.set(target.scriptName, { id: target.scriptName, createdOn: live.createdOn, modifiedOn: live.modifiedOn, etag: live.etag, tags: live.tags });
    return scripts;
  });
}

/** For tests: forget everything. */
export function clearSnapshots(): void {
  snapshots.clear();
}

/**
 * Whether the listing shows the script as this resource last saw it. Compared as instants: a list item and a script
 * GET may format the same `modified_on` differently (fractional seconds), which must not read as a change.
 */
export function unchangedSince(listed: ListedScript | undefined, recordedModifiedOn: string | undefined): boolean {
  return sameInstant(listed?.modifiedOn, recordedModifiedOn);
}

/** Two `modified_on` values name the same instant (however each formats its fractional seconds). */
export function sameInstant(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const [x, y] = [Date.parse(a), Date.parse(b)];
  return Number.isFinite(x) && Number.isFinite(y) ? x === y : a === b;
}
