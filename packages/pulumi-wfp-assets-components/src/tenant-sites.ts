import * as pulumi from "@pulumi/pulumi";
import type { TenantSitesArgs as LibraryTenantSitesArgs } from "pulumi-wfp-assets";
import { declareTenants } from "pulumi-wfp-assets/component-package";
import type { SiteSummary, TenantOptions } from "./args.js";
import { OrphanWatch, PACKAGE_NAME, UserWorkerAssets } from "./resources.js";
import { siteUrl } from "./urls.js";

export interface TenantSitesArgs {
  /** Cloudflare account id (32 hex). */
  accountId: pulumi.Input<string>;
  /** Dispatch namespace all tenants deploy into (it must exist). */
  namespace: pulumi.Input<string>;
  /**
   * Folder with one sub-folder per tenant (each with `public/` and an optional `tenant.json`), relative to the project
   * folder or absolute. Sub-folders starting with "." or "_" are skipped.
   */
  sitesDirectory: string;
  /** Settings by tenant folder name; merged over the folder's `tenant.json`. */
  tenants?: Record<string, TenantOptions>;
  /** Settings every tenant starts from (tenant.json and `tenants` win). */
  defaults?: TenantOptions;
  /** Each site's address as the platform routes it, e.g. "https://{script}.sites.example.com/"; gives `urls`. */
  urlPattern?: string;
}

/**
 * One site per tenant folder: the platform team's whole fleet of tenant sites. Adding a folder adds a tenant; deleting
 * it removes the tenant's worker on the next `up`. Warns at preview and up about scripts this stack owns that no
 * resource declares.
 */
export class TenantSites extends pulumi.ComponentResource {
  /** Each tenant's site by folder name: script, URL, file count, bytes, etag, modified time. */
  public readonly sites: pulumi.Output<Record<string, SiteSummary>>;
  /** Script name by tenant folder name. */
  public readonly scriptNames: pulumi.Output<Record<string, string>>;
  /** URL by tenant folder name (empty without `urlPattern`). */
  public readonly urls: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: TenantSitesArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${PACKAGE_NAME}:index:TenantSites`, name, {}, opts);
    // Tenant settings are checked by the library's rules: tenant.json's schema, and the provider's check for the rest.
    const { sites, scriptNames } = declareTenants(this, name, args as LibraryTenantSitesArgs, {
      site: (siteName, siteArgs, siteOpts) => new UserWorkerAssets(siteName, siteArgs, siteOpts),
      orphanWatch: (watchName, watchArgs, watchOpts) => new OrphanWatch(watchName, watchArgs, watchOpts),
    });
    const urls = pulumi.output(args.namespace).apply((namespace) =>
      Object.fromEntries(Object.entries(scriptNames).map(([tenant, script]) => [tenant, siteUrl(args.urlPattern, { script, namespace })])),
    );
    const summaries = Object.entries(sites).map(([tenant, site]) =>
      pulumi
        .all([site.fileCount, site.totalBytes, site.etag, site.modifiedOn, urls])
        .apply(([fileCount, totalBytes, etag, modifiedOn, byTenant]): [string, SiteSummary] => [
          tenant,
          { scriptName: scriptNames[tenant] ?? tenant, url: byTenant[tenant] ?? "", fileCount, totalBytes, etag, modifiedOn },
        ]),
    );
    this.sites = pulumi.all(summaries).apply((entries) => Object.fromEntries(entries));
    this.scriptNames = pulumi.output(scriptNames);
    this.urls = urls;
    this.registerOutputs({ sites: this.sites, scriptNames: this.scriptNames, urls: this.urls });
  }
}
