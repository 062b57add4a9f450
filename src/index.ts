/**
 * The public API (README "Public API"): the Pulumi resources, the library entry points for deploying without Pulumi,
 * the rules to validate input the way the resource does, and the errors. Everything else is internal and may change.
 * The emulator is a separate entry point, `pulumi-wfp-assets/emulator`.
 */

// Pulumi: one tenant's site, and a folder of tenants.
export {
  UserWorkerAssets,
  UserWorkerAssetsInputError,
  type AssetConfigArgs,
  type InlineWorkerModule,
  type UserWorkerArgs,
  type UserWorkerAssetsArgs,
  type UserWorkerAssetsOutputs,
} from "./resource/index.js";
export { TenantSites, TenantSettingsError, type TenantSettings, type TenantSitesArgs } from "./tenant-sites/index.js";
export { ScriptOwnershipError } from "./provider/lifecycle.js";

// The library: walk and hash a folder, then deploy it with Cloudflare's upload flow.
export { buildManifest, formatBytes, ManifestError, type AssetFile, type BuildManifestOptions, type BuiltManifest, type Manifest, type ManifestEntry } from "./manifest/index.js";
export {
  deployAssets,
  formatDeployEvent,
  loadWorkerModules,
  DeployError,
  InvalidDeployRequestError,
  NamespaceNotFoundError,
  WorkerModuleError,
  type AssetConfig,
  type DeployEvent,
  type DeployOptions,
  type DeployRequest,
  type DeployResult,
  type HashedFolder,
  type KeptAssets,
  type LiveScript,
  type WorkerBinding,
  type WorkerModule,
  type WorkerSpec,
} from "./deploy/index.js";
export {
  CloudflareClient,
  CloudflareApiError,
  CloudflareConfigError,
  MissingCredentialsError,
  resolveCloudflareConfig,
  type ClientOptions,
  type Credentials,
} from "./cloudflare/index.js";

// The rules every entry point applies (names, limits, asset config values).
export {
  checkAccountId,
  checkNamespaceName,
  checkScriptName,
  DEFAULT_MAX_FILES,
  FREE_PLAN_MAX_FILES,
  HTML_HANDLING_VALUES,
  MAX_ASSET_SIZE,
  MAX_FILES_LIMIT,
  MAX_USER_TAGS,
  NOT_FOUND_HANDLING_VALUES,
  type HtmlHandling,
  type NotFoundHandling,
} from "./rules/index.js";
