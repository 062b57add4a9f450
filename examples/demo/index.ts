/**
 * The demo stack: every folder of examples/tenant-sites becomes a user worker in one dispatch
 * namespace. `npm run demo` deploys it to the local emulator; against a real account set
 * `wfp-demo:accountId` and `cloudflare:apiToken` (see README) and create the namespace first.
 */
import * as pulumi from "@pulumi/pulumi";
import { TenantSites } from "pulumi-wfp-assets";

/** The emulator accepts any 32-hex account id; this one is only a default for the local demo. */
const EMULATOR_ACCOUNT = "0123456789abcdef0123456789abcdef";

const config = new pulumi.Config();
const tenants = new TenantSites("tenants", {
  accountId: config.get("accountId") ?? EMULATOR_ACCOUNT,
  namespace: config.get("namespace") ?? "tenants",
  // `npm run demo -- --sites DIR` passes WFP_DEMO_SITES; stack config wins when set.
  sitesDirectory: config.get("sitesDirectory") ?? process.env.WFP_DEMO_SITES ?? "../tenant-sites",
});

export const namespace = config.get("namespace") ?? "tenants";
export const scripts = tenants.scriptNames;
export const files = pulumi.all(Object.fromEntries(Object.entries(tenants.sites).map(([tenant, site]) => [tenant, site.fileCount])));
export const etags = pulumi.all(Object.fromEntries(Object.entries(tenants.sites).map(([tenant, site]) => [tenant, site.etag])));
