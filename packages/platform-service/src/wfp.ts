/**
 * Everything this service takes from pulumi-wfp-assets, in one place: the resource, the naming rules, the
 * limits and the emulator. The package's API is still moving (an owner tag per stack, `adopt`, the public
 * entry points), so this is the one file to adapt when it does.
 */
import type { PulumiFn } from "@pulumi/pulumi/automation/index.js";
import {
  buildManifest,
  checkAccountId,
  CloudflareApiError,
  CloudflareClient,
  checkNamespaceName,
  checkScriptName,
  DEFAULT_MAX_FILES,
  formatBytes,
  HTML_HANDLING_VALUES,
  MAX_ASSET_SIZE,
  NOT_FOUND_HANDLING_VALUES,
  UserWorkerAssets,
} from "pulumi-wfp-assets";
import type { AssetConfigArgs } from "pulumi-wfp-assets";
import { manifestInputDigest } from "pulumi-wfp-assets/provider-engine";
import { z } from "zod";

export { startEmulator } from "pulumi-wfp-assets/emulator";
export type { RunningEmulator } from "pulumi-wfp-assets/emulator";
export { CloudflareClient, formatBytes, HTML_HANDLING_VALUES, NOT_FOUND_HANDLING_VALUES };

/** A zod string checked by one of the package's rules, with the package's own message. */
function ruleSchema(check: (value: unknown) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  });
}

/** A tenant's name is its worker's script name, so the package's script-name rule is the tenant-name rule. */
export const scriptNameSchema = ruleSchema(checkScriptName);
export const namespaceNameSchema = ruleSchema(checkNamespaceName);
export const accountIdSchema = ruleSchema(checkAccountId);

/**
 * Cloudflare's per-file size and the per-version file count (the resource's default `maxFiles`), as the
 * package checks them: an archive is refused on the same numbers the deploy would fail on.
 */
export const assetLimits = { maxFileBytes: MAX_ASSET_SIZE, maxFiles: DEFAULT_MAX_FILES } as const;

export type AssetConfig = Pick<AssetConfigArgs, "htmlHandling" | "notFoundHandling">;

export interface TenantSiteArgs {
  accountId: string;
  namespace: string;
  scriptName: string;
  /** Absolute path of the unpacked site. */
  directory: string;
  hashSalt: string;
  assetConfig: AssetConfig;
  tags: string[];
}

/** The stack outputs the inline program exports (read back by stacks.ts). */
export interface SiteOutputs {
  /** SHA-256 of the path → hash manifest: equal files, equal digest (the site's content version). */
  manifestDigest: string;
  /** Of the live script; covers its code and settings, so it stays the same across assets-only redeploys. */
  etag: string;
  modifiedOn: string;
  fileCount: number;
  totalBytes: number;
  uploadedFiles: number;
  uploadedBytes: number;
}

/** The tenant's inline Pulumi program: one UserWorkerAssets, assets only (tenants upload files, never code). */
export function tenantSiteProgram(args: TenantSiteArgs): PulumiFn {
  return async () => {
    const site = new UserWorkerAssets("site", {
      accountId: args.accountId,
      namespace: args.namespace,
      scriptName: args.scriptName,
      directory: args.directory,
      hashSalt: args.hashSalt,
      assetConfig: args.assetConfig,
      tags: args.tags,
    });
    return {
      manifestDigest: site.manifestDigest,
      etag: site.etag,
      modifiedOn: site.modifiedOn,
      fileCount: site.fileCount,
      totalBytes: site.totalBytes,
      uploadedFiles: site.uploadedFiles,
      uploadedBytes: site.uploadedBytes,
    };
  };
}

/** What the resource would deploy from a folder, besides its settings: the files' digest and the rule files. */
export interface SiteFingerprint {
  /** The digest the resource reports as `manifestDigest` for this folder and salt. */
  manifestDigest: string;
  headers: string | undefined;
  redirects: string | undefined;
}

/** The folder read and hashed by the package's own manifest builder (same ignore rules, same salted hashes). */
export async function siteFingerprint(directory: string, hashSalt: string, maxFiles: number): Promise<SiteFingerprint> {
  const built = await buildManifest(directory, { hashSalt, maxFiles });
  const hashes = Object.fromEntries(Object.entries(built.manifest).map(([key, entry]) => [key, entry.hash]));
  return { manifestDigest: manifestInputDigest(hashes), headers: built.headers, redirects: built.redirects };
}

/** The script's version stamps, as the resource records them (`etag`, `modifiedOn`). */
export interface LiveStamps {
  etag: string;
  modifiedOn: string;
}

const scriptAnswerSchema = z.looseObject({
  modified_on: z.string().optional(),
  script: z.looseObject({ etag: z.string().optional(), modified_on: z.string().optional() }),
});

/**
 * One GET of the tenant's script in the dispatch namespace (the same route the provider reads): its stamps, or
 * `undefined` when Cloudflare has no such script (deleted out of band).
 */
export async function readLiveStamps(client: CloudflareClient, accountId: string, namespace: string, scriptName: string): Promise<LiveStamps | undefined> {
  try {
    const { result } = await client.request({
      method: "GET",
      path: `/accounts/${accountId}/workers/dispatch/namespaces/${namespace}/scripts/${scriptName}`,
      schema: scriptAnswerSchema,
    });
    return { etag: result.script.etag ?? "", modifiedOn: result.script.modified_on ?? result.modified_on ?? "" };
  } catch (error) {
    if (error instanceof CloudflareApiError && error.status === 404) return undefined;
    throw error;
  }
}
