/**
 * Every rule about what may be deployed — names, ids, dates, asset config, worker settings, tags, limits, and the
 * UserWorkerAssets contract between program and provider — defined once and used by the provider, the resource, the
 * deploy library, TenantSites and the CLI.
 */
export { accountIdSchema, namespaceNameSchema, scriptNameSchema, NAME_MAX_LENGTH } from "./names.js";
export { compatibilityDateSchema, compatibilityFlagsSchema } from "./compatibility.js";
export {
  HTML_HANDLING_VALUES,
  NOT_FOUND_HANDLING_VALUES,
  assetConfigSchema,
  runWorkerFirstSchema,
  type AssetConfigSettings,
  type HtmlHandling,
  type NotFoundHandling,
} from "./asset-config.js";
export { MAX_TAGS, MAX_USER_TAGS, OWNER_TAG_PREFIX, scriptTagsSchema, userTagsSchema } from "./tags.js";
export {
  assetsBindingSchema,
  bindingSchema,
  bindingsSchema,
  checkMainModule,
  checkWorkerSettings,
  mainModuleProblem,
  MODULE_CONTENT_TYPES,
  moduleContentTypeSchema,
  workerSettingsShape,
} from "./worker.js";
export { checkNeedsWorker, deploySettingsShape, hashSaltSchema, keepBindingsSchema, targetShape } from "./settings.js";
export { DEFAULT_MAX_FILES, FREE_PLAN_MAX_FILES, MAX_ASSET_SIZE, MAX_FILES_LIMIT, maxFilesMessage, maxFilesSchema } from "./limits.js";
export { describeIssues } from "./issues.js";
export { checkAccountId, checkNamespaceName, checkScriptName } from "./checks.js";
export { manifestInputSchema, type ManifestInputValue } from "./manifest-input.js";
export {
  OUTPUT_ONLY_PROPERTIES,
  PASSED_THROUGH_INPUTS,
  providerInputsSchema,
  providerOutputsSchema,
  userWorkerAssetsArgsSchema,
  userWorkerAssetsOutputsSchema,
  type AssetConfigArgs,
  type AssetConfigInput,
  type InlineWorkerModule,
  type ProviderInputs,
  type ProviderOutputs,
  type UserWorkerArgs,
  type UserWorkerAssetsArgsValues,
  type UserWorkerAssetsOutputs,
  type WorkerInput,
  type WorkerModuleInput,
} from "./user-worker-assets.js";
