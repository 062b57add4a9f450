import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as serializedProvider from "../provider/shell.js";
import { prepareAssetConfig, prepareAssets, prepareWorker } from "./prepare.js";
import type { UserWorkerAssetsArgs } from "./args.js";
import { preparing } from "./program-error.js";
import { claimScript } from "./script-claims.js";

/** Recorded as an input: when the provider code changes, diff sees it and the new code is saved in state. */
export const PROVIDER_VERSION: string = (
  JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }
).version;

/**
 * The static assets (and optional worker code) of one user worker in a Workers for Platforms
 * dispatch namespace — or of an account-level worker when `namespace` is omitted.
 *
 * The program walks and hashes `directory`, and the per-file manifest becomes an input, so
 * `pulumi preview --diff` lists every added, changed and removed path. Deploying runs Cloudflare's
 * upload session → bucket uploads → script PUT; files Cloudflare already stores are not sent again.
 *
 * @example
 * new UserWorkerAssets("acme", {
 *   accountId: "0123456789abcdef0123456789abcdef",
 *   namespace: "tenants",
 *   scriptName: "acme",
 *   directory: "sites/acme",
 *   assetConfig: { notFoundHandling: "single-page-application" },
 * });
 */
export class UserWorkerAssets extends pulumi.dynamic.Resource {
  declare readonly accountId: pulumi.Output<string>;
  declare readonly namespace: pulumi.Output<string | undefined>;
  declare readonly scriptName: pulumi.Output<string>;
  /** SHA-256 of the path → hash manifest. */
  declare readonly manifestDigest: pulumi.Output<string>;
  declare readonly fileCount: pulumi.Output<number>;
  declare readonly totalBytes: pulumi.Output<number>;
  /** Files (distinct contents) sent by the last deploy; 0 when Cloudflare already had them all. */
  declare readonly uploadedFiles: pulumi.Output<number>;
  declare readonly uploadedBytes: pulumi.Output<number>;
  declare readonly scriptId: pulumi.Output<string>;
  declare readonly etag: pulumi.Output<string>;
  declare readonly modifiedOn: pulumi.Output<string>;
  declare readonly hasAssets: pulumi.Output<boolean>;

  constructor(name: string, args: UserWorkerAssetsArgs, opts?: pulumi.CustomResourceOptions) {
    const inputs = userWorkerAssetsInputs(name, args);
    // Pulumi's SDK stamps each output promise of a resource with `new Error().stack` (for its debugging of
    // unhandled rejections), formatted through source maps: ~10 ms of program CPU per tenant, the larger half of a
    // 1,000-tenant preview (bench/README.md, tenants). Nothing reads those stacks unless a promise is left
    // unhandled; the resource's registration keeps its own. The limit is restored at once.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(serializedProvider, name, inputs, opts, "wfp", "UserWorkerAssets");
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }
}

/**
 * The resource's inputs as the provider receives them: the folder walked and hashed, the worker's modules digested, the
 * script claimed for this program run. Shared by this dynamic resource and the component package's custom resource
 * (packages/pulumi-wfp-assets-components), so both send the provider exactly the same inputs.
 */
export function userWorkerAssetsInputs(name: string, args: UserWorkerAssetsArgs): pulumi.Inputs {
  const cwd = process.cwd();
  // Only the asset inputs feed the manifest, so an unknown namespace (say, from another
  // resource in preview) does not make the whole file list unknown.
  const assets = pulumi
    .all([args.directory, args.ignore, args.hashSalt, args.maxFiles])
    .apply(([directory, ignore, hashSalt, maxFiles]) =>
      preparing(name, () => prepareAssets({ directory, ignore, hashSalt, maxFiles }, cwd)),
    );
  const worker = pulumi
    .output(args.worker)
    .apply((w) => preparing(name, () => prepareWorker(w as Parameters<typeof prepareWorker>[0], cwd)));
  // Known only once the inputs resolve; a duplicate fails the program like any other bad input.
  const scriptClaim = pulumi
    .all([args.accountId, args.namespace, args.scriptName])
    .apply(([accountId, namespace, scriptName]) => preparing(name, async () => claimScript(name, { accountId, namespace, scriptName })));
  const assetConfig = pulumi
    .all([pulumi.output(args.assetConfig), assets])
    .apply(([config, prepared]) => prepareAssetConfig(config as Parameters<typeof prepareAssetConfig>[0], prepared));
  return {
    accountId: args.accountId,
    namespace: args.namespace,
    scriptName: pulumi.all([args.scriptName, scriptClaim]).apply(([scriptName]) => scriptName),
    directory: assets.directory,
    manifest: assets.manifest,
    hashSalt: args.hashSalt,
    worker,
    assetConfig,
    compatibilityDate: args.compatibilityDate,
    compatibilityFlags: args.compatibilityFlags,
    tags: args.tags,
    maxFiles: args.maxFiles,
    keepBindings: args.keepBindings,
    adopt: args.adopt,
    // The owner marker's value (src/deploy/ownership.ts): a rename or move within this stack keeps it, so its
    // create over the same script proceeds, while another stack's create is refused unless it adopts.
    owner: `${pulumi.getProject()}/${pulumi.getStack()}`,
    workDir: cwd,
    providerVersion: PROVIDER_VERSION,
    manifestDigest: undefined,
    fileCount: undefined,
    totalBytes: undefined,
    uploadedFiles: undefined,
    uploadedBytes: undefined,
    scriptId: undefined,
    etag: undefined,
    modifiedOn: undefined,
    hasAssets: undefined,
  };
}
