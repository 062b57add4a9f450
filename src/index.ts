export * from "./manifest/index.js";
export * from "./cloudflare/index.js";
export * from "./deploy/index.js";
export { UserWorkerAssets, PROVIDER_VERSION } from "./resource.js";
export type { UserWorkerAssetsArgs, UserWorkerArgs, AssetConfigArgs, InlineWorkerModule } from "./resource/args.js";
export { UserWorkerAssetsInputError } from "./resource/prepare.js";
export { TenantSites, TenantSettingsError, listTenants, readTenantFile, type TenantSettings, type TenantSitesArgs } from "./tenant-sites.js";
