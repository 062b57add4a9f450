/**
 * The components this package offers to every Pulumi language. @pulumi/pulumi's schema inference starts here (the
 * package's src/index.ts), so only the components and their argument types are exported; the plugin's entry point is
 * main.ts.
 */
export { Site, type SiteArgs } from "./site.js";
export { TenantSites, type TenantSitesArgs } from "./tenant-sites.js";
export type { SiteAssetConfig, SiteSummary, SiteWorker, TenantOptions } from "./args.js";
