/**
 * The dispatch namespace comes from @pulumi/cloudflare; each tenant's user worker and its files come
 * from UserWorkerAssets. The namespace name flows from the namespace resource's output, so Pulumi
 * creates the namespace first and replaces the tenants' workers if the namespace is ever replaced.
 *
 * Both read the same stack config: `cloudflare:apiToken` (secret) and `accountId`.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { UserWorkerAssets } from "pulumi-wfp-assets";

const config = new pulumi.Config();
const accountId = config.require("accountId");

const namespace = new cloudflare.WorkersForPlatformsDispatchNamespace("tenants", {
  accountId,
  name: "tenants",
});

const site = new UserWorkerAssets("acme", {
  accountId,
  namespace: namespace.namespaceName,
  scriptName: "acme",
  directory: "site",
  assetConfig: { notFoundHandling: "404-page" },
  tags: ["tenant:acme"],
});

export const namespaceId = namespace.namespaceId;
export const acmeEtag = site.etag;
export const acmeFiles = site.fileCount;
