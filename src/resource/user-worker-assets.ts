import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { serializableProvider } from "../provider/provider-reference.js";
import { suspendStackTraces } from "../host/stack-traces.js";
import { OUTPUT_ONLY_PROPERTIES, PASSED_THROUGH_INPUTS } from "../rules/index.js";
import { prepareAssetConfig, prepareAssets, prepareWorker, projectRelative } from "./prepare.js";
import type { UserWorkerAssetsArgs, UserWorkerAssetsOutputProperties } from "./args.js";
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
  constructor(name: string, args: UserWorkerAssetsArgs, opts?: pulumi.CustomResourceOptions) {
    // The SDK's per-output stack stamps cost ~10 ms of program CPU per resource, and every `pulumi.output` keeps an
    // Error with its captured frames (src/host/stack-traces.ts): off while the inputs' outputs are made, too.
    const restoreStackTraces = suspendStackTraces();
    try {
      // The shell, or where the package is linked a copy Pulumi stores as the same small module reference.
      super(serializableProvider(), name, userWorkerAssetsInputs(name, args), opts, "wfp", "UserWorkerAssets");
    } finally {
      restoreStackTraces();
    }
  }
}

/**
 * The resource's outputs (`manifestDigest`, `fileCount`, `etag`, …), each a `pulumi.Output`: the contract's outputs
 * (src/rules/user-worker-assets.ts), declared on the class by merging this interface; the SDK sets them.
 */
export interface UserWorkerAssets extends UserWorkerAssetsOutputProperties {}

/**
 * The resource's inputs as the provider receives them: the folder walked and hashed, the worker's modules digested, the
 * script claimed for this program run. Shared by this dynamic resource and the component package's custom resource
 * (packages/pulumi-wfp-assets-components), so both send the provider exactly the same inputs.
 */
export function userWorkerAssetsInputs(name: string, args: UserWorkerAssetsArgs): pulumi.Inputs {
  const cwd = process.cwd();
  // Every key below becomes an output of the resource, which Pulumi's SDK holds as ~6 KiB of pending promises until
  // the resource is registered, and every output made here ~6 KiB more; a fleet constructs all its tenants before the
  // first registers, so these multiply by the fleet (bench/README.md, issue 19, program memory). Hence: no key for an
  // input not given, and one output per derived value.
  //
  // Only the asset inputs feed the manifest, so an unknown namespace (say, from another
  // resource in preview) does not make the whole file list unknown.
  const assets = pulumi
    .all([args.directory, args.ignore, args.hashSalt, args.maxFiles])
    .apply(([directory, ignore, hashSalt, maxFiles]) =>
      preparing(name, () => prepareAssets({ directory, ignore, hashSalt, maxFiles }, cwd)),
    );
  // Known only once the inputs resolve; a duplicate fails the program like any other bad input.
  const scriptName = pulumi.all([args.accountId, args.namespace, args.scriptName]).apply(([accountId, namespace, script]) =>
    preparing(name, async () => {
      claimScript(name, { accountId, namespace, scriptName: script });
      return script;
    }),
  );
  const assetConfig = isPlain(args.assetConfig)
    ? assets.apply((prepared) => prepareAssetConfig(args.assetConfig as Parameters<typeof prepareAssetConfig>[0], prepared))
    : pulumi
        .all([pulumi.output(args.assetConfig), assets])
        .apply(([config, prepared]) => prepareAssetConfig(config as Parameters<typeof prepareAssetConfig>[0], prepared));
  return {
    // As given: accountId, namespace, hashSalt, compatibility, tags, maxFiles, keepBindings, adopt (the contract's
    // list). Pulumi sends no undefined input to the provider, so a key not given would only cost memory.
    ...Object.fromEntries(PASSED_THROUGH_INPUTS.filter((key) => args[key] !== undefined).map((key) => [key, args[key]])),
    scriptName,
    // The same text prepareAssets records; known without waiting for the walk when the folder is a plain string.
    directory: typeof args.directory === "string" ? projectRelative(args.directory, cwd) : assets.apply((prepared) => prepared.directory),
    manifest: assets.apply((prepared) => prepared.manifest),
    ...(args.worker === undefined
      ? {}
      : {
          worker: pulumi
            .output(args.worker)
            .apply((w) => preparing(name, () => prepareWorker(w as Parameters<typeof prepareWorker>[0], cwd))),
        }),
    assetConfig,
    // The owner marker's value (src/deploy/ownership.ts): a rename or move within this stack keeps it, so its
    // create over the same script proceeds, while another stack's create is refused unless it adopts.
    owner: `${pulumi.getProject()}/${pulumi.getStack()}`,
    workDir: cwd,
    providerVersion: PROVIDER_VERSION,
    // Outputs the provider sets must be properties of the resource from the start: declared unknown here.
    ...Object.fromEntries(OUTPUT_ONLY_PROPERTIES.map((key) => [key, undefined])),
  };
}

/** A value given as it is: neither a promise nor a `pulumi.Output` (nested ones included, which a plain object may hold). */
function isPlain(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  if (value instanceof Promise || pulumi.Output.isInstance(value)) return false;
  return Object.values(value).every(isPlain);
}
