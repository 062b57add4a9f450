/**
 * The provider's work, loaded by the thin serialized provider (src/provider.ts) inside each method
 * so nothing here is captured into Pulumi state. Pure decisions (check, diff) and the I/O
 * (create/update/read/delete against the Cloudflare API) are all testable without the engine.
 */
import type { ConfigOverrides, ScriptTarget } from "../cloudflare/index.js";
import { deleteScript, deployAssets, formatDeployEvent, getScript } from "../deploy/index.js";
import { manifestDigest } from "../manifest/index.js";
import { assetsFromInputs } from "./assets-from-inputs.js";
import { canonicalJson, sha256Hex, toPlainJson } from "./canonical.js";
import { containsUnknown, providerInputsSchema, type ProviderInputs, type ProviderOutputs } from "./inputs.js";
import { createClient } from "./settings.js";
import { workerFromInputs } from "./worker-from-inputs.js";

export interface CheckFailure {
  property: string;
  reason: string;
}

/** Properties that name the script: changing one means another script, so the old one is replaced. */
export const REPLACE_KEYS = ["accountId", "namespace", "scriptName"] as const;

export function check(rawNews: Record<string, unknown>): { inputs?: Record<string, unknown>; failures: CheckFailure[] } {
  const news = withoutInternalKeys(rawNews);
  const parsed = providerInputsSchema.safeParse(news);
  if (parsed.success) return { inputs: toPlainJson(parsed.data as Record<string, unknown>), failures: [] };
  // In preview a value computed by another resource arrives as the unknown sentinel: skip issues on
  // such properties; they are checked again when the value is known.
  const failures = parsed.error.issues
    .filter((issue) => {
      const top = issue.path[0];
      return top === undefined || !containsUnknown(news[String(top)]);
    })
    .map((issue) => ({ property: issue.path.map(String).join(".") || "(inputs)", reason: issue.message }));
  return failures.length > 0 ? { failures } : { inputs: toPlainJson(news), failures: [] };
}

/** The engine adds `__provider` (the serialized provider) to every input set; it is not ours to check. */
function withoutInternalKeys(inputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(inputs).filter(([key]) => !key.startsWith("__")));
}

/** The `manifestDigest` output: the same digest `wfp-assets manifest` prints for the folder. */
export function manifestInputDigest(manifest: Record<string, string>): string {
  return manifestDigest(manifest);
}

/** Everything besides the files that changes what gets deployed. (`directory` and `maxFiles` do not.) */
export function settingsDigest(inputs: Partial<ProviderInputs>): string {
  return sha256Hex(
    canonicalJson({
      worker: inputs.worker ?? null,
      assetConfig: inputs.assetConfig ?? null,
      compatibilityDate: inputs.compatibilityDate ?? null,
      compatibilityFlags: inputs.compatibilityFlags ?? null,
      tags: inputs.tags ?? null,
      hashSalt: inputs.hashSalt ?? null,
    }),
  );
}

export interface DiffDecision {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** Why, for tests and debug logs. */
  reasons: string[];
}

/**
 * `olds` are the previous *outputs* (that is what the engine passes); they hold digests rather
 * than the manifest, which keeps state lean. Unknown values (preview) count as changed.
 */
export function diff(olds: Partial<ProviderOutputs>, news: Record<string, unknown>): DiffDecision {
  const reasons: string[] = [];
  const replaces = REPLACE_KEYS.filter((key) => containsUnknown(news[key]) || (olds[key] ?? null) !== (news[key] ?? null));
  for (const key of replaces) reasons.push(`${key} changed`);

  const manifest = news.manifest;
  if (containsUnknown(manifest)) reasons.push("manifest unknown");
  else if (olds.manifestDigest !== manifestInputDigest((manifest ?? {}) as Record<string, string>)) reasons.push("files changed");

  if (containsUnknown(news)) {
    if (!reasons.includes("manifest unknown")) reasons.push("inputs unknown");
  } else if (olds.settingsDigest !== settingsDigest(news as Partial<ProviderInputs>)) {
    reasons.push("settings changed");
  }
  if (olds.providerVersion !== news.providerVersion) reasons.push("provider version changed");
  if (olds.etag !== olds.deployedEtag) reasons.push("redeployed out of band (etag differs)");
  if (olds.hasAssets === false) reasons.push("live script has no assets");

  return { changes: reasons.length > 0, replaces: [...replaces], deleteBeforeReplace: replaces.length > 0, reasons };
}

export function resourceId(target: ScriptTarget): string {
  return `${target.accountId}/${target.namespace ?? "-"}/${target.scriptName}`;
}

function targetOf(inputs: { accountId: string; namespace?: string; scriptName: string }): ScriptTarget {
  return { accountId: inputs.accountId, namespace: inputs.namespace, scriptName: inputs.scriptName };
}

export type LogLine = (line: string) => void;

/** create and update are the same flow: Cloudflare's PUT replaces the script (and config) wholesale. */
export async function deploy(
  rawInputs: Record<string, unknown>,
  overrides: ConfigOverrides,
  log: LogLine,
): Promise<{ id: string; outs: ProviderOutputs }> {
  const inputs = providerInputsSchema.parse(withoutInternalKeys(rawInputs));
  const target = targetOf(inputs);
  const label = inputs.namespace ? `${inputs.namespace}/${inputs.scriptName}` : inputs.scriptName;
  const assets = await assetsFromInputs(inputs.directory, inputs.manifest);
  const worker = inputs.worker ? await workerFromInputs(inputs.worker) : undefined;
  log(`${label}: ${assets.fileCount} files, ${assets.totalBytes} bytes`);
  const client = createClient(overrides);
  try {
    const result = await deployAssets(
      client,
      {
        target,
        assets,
        worker,
        assetConfig: inputs.assetConfig,
        compatibilityDate: inputs.compatibilityDate,
        compatibilityFlags: inputs.compatibilityFlags,
        tags: inputs.tags,
        hashSalt: inputs.hashSalt,
      },
      { onProgress: (event) => log(`${label}: ${formatDeployEvent(event)}`) },
    );
    const outs: ProviderOutputs = {
      accountId: inputs.accountId,
      namespace: inputs.namespace,
      scriptName: inputs.scriptName,
      directory: inputs.directory,
      manifestDigest: manifestInputDigest(inputs.manifest),
      settingsDigest: settingsDigest(inputs),
      fileCount: result.fileCount,
      totalBytes: result.totalBytes,
      uploadedFiles: result.uploadedFiles,
      uploadedBytes: result.uploadedBytes,
      scriptId: result.script.id,
      etag: result.script.etag,
      deployedEtag: result.script.etag,
      modifiedOn: result.script.modifiedOn,
      hasAssets: result.script.hasAssets,
      providerVersion: inputs.providerVersion,
    };
    return { id: resourceId(target), outs: toPlainJson(outs) };
  } finally {
    await client.close();
  }
}

/**
 * Observes the live script for refresh. Gone → no id, and the engine drops the resource. Only
 * etag / modified_on / has_assets are observable (no API returns a script's asset list).
 */
export async function read(
  id: string,
  props: ProviderOutputs,
  overrides: ConfigOverrides,
): Promise<{ id?: string; props?: ProviderOutputs }> {
  const client = createClient(overrides);
  try {
    const live = await getScript(client, targetOf(props));
    if (!live) return {};
    return {
      id,
      props: toPlainJson({ ...props, scriptId: live.id, etag: live.etag, modifiedOn: live.modifiedOn, hasAssets: live.hasAssets }),
    };
  } finally {
    await client.close();
  }
}

export async function remove(props: ProviderOutputs, overrides: ConfigOverrides): Promise<void> {
  const client = createClient(overrides);
  try {
    await deleteScript(client, targetOf(props));
  } finally {
    await client.close();
  }
}

export { credentialFailures, readProviderConfig } from "./settings.js";
