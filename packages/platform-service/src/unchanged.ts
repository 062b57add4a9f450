/**
 * When an upload needs no Pulumi run at all (README "Performance", the unchanged path): its content is what the
 * tenant's last deploy made live, and Cloudflare still shows the script that deploy left. Pure decisions; the
 * folder hashing and the one Cloudflare read are done by the caller (tenants.ts, through wfp.ts).
 */
import { createHash } from "node:crypto";
import type { LiveSite } from "./tenant-folders.ts";
import type { AssetConfig, LiveStamps, SiteFingerprint } from "./wfp.ts";

/**
 * Everything of an upload that decides what gets deployed: the files (their salted digest), the root `_headers`
 * and `_redirects` (settings of the worker, not files of the manifest) and the asset options. Equal digests,
 * equal deploys.
 */
export function contentDigest(fingerprint: SiteFingerprint, assetConfig: AssetConfig): string {
  const options = Object.fromEntries(Object.entries(assetConfig).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return createHash("sha256")
    .update(JSON.stringify([fingerprint.manifestDigest, fingerprint.headers ?? null, fingerprint.redirects ?? null, options]))
    .digest("hex");
}

export type UnchangedDecision =
  /** The live site is this upload: answer "unchanged", run nothing. */
  | { kind: "unchanged" }
  /** Deploy through Pulumi; `refresh` when Cloudflare shows something else than the last deploy (changed out of band). */
  | { kind: "deploy"; refresh: boolean; reason: string };

/** Before the Cloudflare read: is a read worth it? Only an upload equal to the live content can skip the deploy. */
export function mayBeUnchanged(live: LiveSite | undefined, digest: string, openOperations: number): boolean {
  return openOperations === 0 && live?.contentDigest === digest;
}

/** After the read: the script Cloudflare serves is the one the last deploy left (its stamps), or not. */
export function decideUnchanged(live: LiveSite, stamps: LiveStamps | undefined): UnchangedDecision {
  if (stamps === undefined) return { kind: "deploy", refresh: true, reason: "the tenant's worker is gone from Cloudflare (deleted outside this service)" };
  const sameInstant = stamps.modifiedOn === live.modifiedOn || Date.parse(stamps.modifiedOn) === Date.parse(live.modifiedOn);
  if (stamps.etag === live.etag && sameInstant) return { kind: "unchanged" };
  return { kind: "deploy", refresh: true, reason: `the live worker was changed outside this service (modified ${stamps.modifiedOn}, the last deploy left ${live.modifiedOn})` };
}
