/**
 * One shard of a sharded fleet. Every shard runs this same program; the stack config `wfp-assets:shard` ("2/4")
 * says which share of the tenant folders it declares (src/rules/shards.ts in pulumi-wfp-assets: a hash of each
 * folder's name, or a tenant.json "shard" override). A tenant that changes shards is handed over: the new shard's
 * `up` takes its script over and the old shard's `up` leaves it in place, in either order, and it serves throughout.
 */
import * as pulumi from "@pulumi/pulumi";
import { TenantSites } from "pulumi-wfp-assets";

const config = new pulumi.Config();
const fleet = new TenantSites("tenants", {
  accountId: config.require("accountId"),
  namespace: config.get("namespace") ?? "tenants",
  // Every shard reads the whole folder (tenant.json files only, for the split); it hashes and uploads only its own.
  sitesDirectory: config.get("sitesDirectory") ?? "../tenant-sites",
});

export const shard = fleet.shard ? `${fleet.shard.index}/${fleet.shard.count}` : "unsharded";
export const tenants = Object.keys(fleet.sites).sort();
