/**
 * What the component package (packages/pulumi-wfp-assets-components) builds its resources from, so YAML, Go, Python
 * and C# programs deploy with exactly the inputs, tenant-folder rules and provider code of the TypeScript API. Its
 * resources are custom resources of the package's own provider rather than dynamic resources: Pulumi starts a dynamic
 * provider from the consumer's project folder, where a YAML or Go project has no node_modules (pulumi/pulumi#5455).
 * Entry point `pulumi-wfp-assets/component-package`; not part of the public API (README "Public API").
 */
export { userWorkerAssetsInputs } from "../resource/user-worker-assets.js";
export { declareTenants, type TenantResourceMakers } from "../tenant-sites/tenant-sites.js";
export { orphanWatchInputs, type OrphanWatchArgs } from "../tenant-sites/orphan-watch.js";
export { provider } from "../provider/engine.js";
export { onConfigure } from "../host/configure-hook.js";
