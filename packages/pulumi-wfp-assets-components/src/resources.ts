/**
 * The component package's own resources: the same inputs, and the same provider code, as the TypeScript API's
 * `UserWorkerAssets` and TenantSites' orphan watch, but registered as custom resources of this package, so the engine
 * sends their create/read/update/delete to this plugin (provider.ts) instead of to a dynamic provider it would start
 * from the consumer's folder (src/component-package/index.ts in the library says why that cannot work).
 */
import * as pulumi from "@pulumi/pulumi";
import type { UserWorkerAssetsArgs } from "pulumi-wfp-assets";
import { orphanWatchInputs, userWorkerAssetsInputs, type OrphanWatchArgs } from "pulumi-wfp-assets/component-package";

/** The package name: resource types are `wfp-assets:index:<Name>`, and stack config `wfp-assets:<key>` configures it. */
export const PACKAGE_NAME = "wfp-assets";

export class UserWorkerAssets extends pulumi.CustomResource {
  declare readonly scriptName: pulumi.Output<string>;
  declare readonly manifestDigest: pulumi.Output<string>;
  declare readonly fileCount: pulumi.Output<number>;
  declare readonly totalBytes: pulumi.Output<number>;
  declare readonly uploadedFiles: pulumi.Output<number>;
  declare readonly uploadedBytes: pulumi.Output<number>;
  declare readonly scriptId: pulumi.Output<string>;
  declare readonly etag: pulumi.Output<string>;
  declare readonly modifiedOn: pulumi.Output<string>;
  declare readonly hasAssets: pulumi.Output<boolean>;

  constructor(name: string, args: UserWorkerAssetsArgs, opts?: pulumi.CustomResourceOptions) {
    super(`${PACKAGE_NAME}:index:UserWorkerAssets`, name, userWorkerAssetsInputs(name, args), opts);
  }
}

export class OrphanWatch extends pulumi.CustomResource {
  constructor(name: string, args: OrphanWatchArgs, opts?: pulumi.CustomResourceOptions) {
    super(`${PACKAGE_NAME}:index:OrphanWatch`, name, orphanWatchInputs(args), opts);
  }
}
