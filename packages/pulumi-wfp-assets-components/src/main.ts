/**
 * The plugin's entry point (package.json "main"), started by the engine through the Node.js language host's RunPlugin:
 * serves the components and the package's resources over Pulumi's provider protocol. Exports nothing, so
 * @pulumi/pulumi's plugin runner leaves the hosting to this file.
 */
import { dirname, resolve } from "node:path";
import { main } from "@pulumi/pulumi/provider";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { onConfigure, provider as engine } from "pulumi-wfp-assets/component-package";
import { packageConfigReader } from "./config.js";
import { Site, TenantSites } from "./index.js";
import { componentPackageProvider } from "./provider.js";
import { PACKAGE_NAME } from "./resources.js";

// The SDK's provider server drops Configure's variables; the hook (src/host/configure-hook.ts) wraps this plugin's own SDK copy.
onConfigure((variables) => engine.configure(packageConfigReader(variables)), dirname(require.resolve("@pulumi/pulumi/package.json")));
// The package folder: package.json (version), tsconfig.json and src/ are what the schema is inferred from.
const components = new ComponentProvider({ components: [TenantSites, Site], name: PACKAGE_NAME, dirname: resolve(__dirname, "..") });
void main(componentPackageProvider(components), process.argv.slice(2));
