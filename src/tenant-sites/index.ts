export { TenantSites, type TenantSitesArgs } from "./tenant-sites.js";
export { TenantSettingsError, listTenants, readTenantFile, type TenantSettings } from "./tenant-file.js";
