export { UserWorkerAssets, PROVIDER_VERSION } from "./user-worker-assets.js";
export type { AssetConfigArgs, InlineWorkerModule, UserWorkerArgs, UserWorkerAssetsArgs, UserWorkerAssetsOutputs } from "./args.js";
export { UserWorkerAssetsInputError } from "./prepare.js";
