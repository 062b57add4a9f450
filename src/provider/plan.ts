/**
 * The provider's pure decisions: check (inputs valid?) and diff (what changed, and does it mean another script?).
 * No I/O; the engine (engine.ts) calls these from the serialized provider's check/diff.
 */
import type { ScriptTarget } from "../cloudflare/index.js";
import { manifestDigest } from "../manifest/index.js";
import { canonicalJson, sha256Hex, toPlainJson } from "./canonical.js";
import { manifestTextDigest, type ManifestInputValue } from "./manifest-entries.js";
import { containsUnknown, providerInputsSchema, type ProviderInputs, type ProviderOutputs } from "./inputs.js";

export interface CheckFailure {
  property: string;
  reason: string;
}

/**
 * Properties that name the script: changing one means another script. The new one is created first and the old one
 * deleted after (no delete-before-replace), so a failed create leaves the old site serving.
 */
export const REPLACE_KEYS = ["accountId", "namespace", "scriptName"] as const;

export function check(rawNews: Record<string, unknown>): { inputs?: Record<string, unknown>; failures: CheckFailure[] } {
  const news = withoutInternalKeys(rawNews);
  const parsed = providerInputsSchema.safeParse(news);
  if (parsed.success) return { inputs: plainInputs(parsed.data as Record<string, unknown>), failures: [] };
  // In preview a value computed by another resource arrives as the unknown sentinel: skip issues on
  // such properties; they are checked again when the value is known.
  const failures = parsed.error.issues
    .filter((issue) => {
      const top = issue.path[0];
      return top === undefined || !containsUnknown(news[String(top)]);
    })
    .map((issue) => ({ property: issue.path.map(String).join(".") || "(inputs)", reason: issue.message }));
  return failures.length > 0 ? { failures } : { inputs: plainInputs(news), failures: [] };
}

/**
 * The inputs without `undefined`s (Pulumi's wire format has none), the manifest text passed through as it came: a
 * JSON round trip would copy its ~6 MB (100,000 files) twice more, on top of the shim's decoding and encoding of it.
 */
function plainInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  const { manifest, ...rest } = inputs;
  const plain = toPlainJson(rest);
  if (manifest !== undefined) plain.manifest = typeof manifest === "string" ? manifest : toPlainJson(manifest);
  return plain;
}

/** The engine adds `__provider` (the serialized provider) to every input set; it is not ours to check. */
export function withoutInternalKeys(inputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(inputs).filter(([key]) => !key.startsWith("__")));
}

/** The `manifestDigest` output: the same digest `wfp-assets manifest` prints for the folder, whichever form the input has. */
export function manifestInputDigest(manifest: ManifestInputValue): string {
  return typeof manifest === "string" ? manifestTextDigest(manifest) : manifestDigest(manifest);
}

/**
 * Everything besides the files that changes what gets deployed. (`directory`, `workDir`, `maxFiles` and `adopt` do
 * not: adopt is a permission for create, not part of the site.) 128 bits of SHA-256 tell changes apart as surely as
 * 256, at half the bytes in every checkpoint of a fleet.
 */
export function settingsDigest(inputs: Partial<ProviderInputs>): string {
  return sha256Hex(
    canonicalJson({
      worker: inputs.worker ?? null,
      assetConfig: inputs.assetConfig ?? null,
      compatibilityDate: inputs.compatibilityDate ?? null,
      compatibilityFlags: inputs.compatibilityFlags ?? null,
      tags: inputs.tags ?? null,
      hashSalt: inputs.hashSalt ?? null,
      keepBindings: inputs.keepBindings ?? null,
      owner: inputs.owner ?? null,
    }),
  ).slice(0, 32);
}

export interface DiffDecision {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** Why, for tests and debug logs. */
  reasons: string[];
}

/**
 * `olds` are the previous *outputs* (that is what the engine passes); they hold digests rather than the manifest,
 * which keeps state lean. Unknown values (preview) count as changed.
 *
 * Out-of-band changes show as a difference between what this resource deployed and what refresh last observed:
 * `etag` is a hash of the script *content* only (docs/cloudflare-api.md §15.3), so an assets-only redeploy keeps it; `modified_on`
 * changes on every upload, so both are compared.
 */
export function diff(olds: Partial<ProviderOutputs>, news: Record<string, unknown>): DiffDecision {
  const reasons: string[] = [];
  const replaces = REPLACE_KEYS.filter((key) => containsUnknown(news[key]) || (olds[key] ?? null) !== (news[key] ?? null));
  for (const key of replaces) reasons.push(`${key} changed`);

  const manifest = news.manifest;
  if (containsUnknown(manifest)) reasons.push("manifest unknown");
  else if (olds.manifestDigest !== manifestInputDigest((manifest ?? {}) as ManifestInputValue)) reasons.push("files changed");

  if (containsUnknown(news)) {
    if (!reasons.includes("manifest unknown")) reasons.push("inputs unknown");
  } else if (olds.settingsDigest !== settingsDigest(news as Partial<ProviderInputs>)) {
    reasons.push("settings changed");
  }
  if (olds.providerVersion !== news.providerVersion) reasons.push("provider version changed");
  if (olds.deployedEtag !== undefined && olds.etag !== olds.deployedEtag) reasons.push("redeployed out of band (etag differs)");
  else if (olds.deployedModifiedOn !== undefined && olds.modifiedOn !== olds.deployedModifiedOn) {
    reasons.push("redeployed out of band (modified_on differs)");
  }
  if (olds.hasAssets === false) reasons.push("live script has no assets");

  return { changes: reasons.length > 0, replaces: [...replaces], deleteBeforeReplace: false, reasons };
}

/** Whether an update uploads the folder's files or keeps the live version's (`keep_assets`), and why. */
export type AssetsDecision = { keep: true } | { keep: false; reason: string };

/**
 * An update keeps the live version's files — one script PUT, no upload session, no file read — only when they are
 * surely the declared ones: the manifest (paths and hashes, the salt included) equals the one this resource last
 * deployed, that deploy left assets, and the live script is still that deploy (`liveUnchanged`: the listing or a read
 * shows the `modified_on` it recorded, and no refresh saw another deploy since). Anything else uploads, which costs
 * one session more and sends only what Cloudflare lacks. Cloudflare exposes no asset list to check against.
 */
export function decideAssets(olds: Partial<ProviderOutputs>, news: { manifest: ManifestInputValue }, liveUnchanged: boolean): AssetsDecision {
  if (olds.manifestDigest !== manifestInputDigest(news.manifest)) return { keep: false, reason: "files changed" };
  if (olds.hasAssets !== true) return { keep: false, reason: "the live script has no assets" };
  if (olds.deployedEtag !== undefined || olds.deployedModifiedOn !== undefined) {
    return { keep: false, reason: "a refresh saw another deploy of the script" };
  }
  if (!liveUnchanged) return { keep: false, reason: "the script changed since this resource deployed it" };
  return { keep: true };
}

export function resourceId(target: ScriptTarget): string {
  return `${target.accountId}/${target.namespace ?? "-"}/${target.scriptName}`;
}

export function targetOf(inputs: { accountId: string; namespace?: string; scriptName: string }): ScriptTarget {
  return { accountId: inputs.accountId, namespace: inputs.namespace, scriptName: inputs.scriptName };
}
