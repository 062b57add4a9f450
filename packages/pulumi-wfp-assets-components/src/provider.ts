import type { Provider } from "@pulumi/pulumi/provider";
import type { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { provider as engine } from "pulumi-wfp-assets/component-package";

/**
 * The plugin's provider: the components (schema and construct) come from @pulumi/pulumi's component host, and the
 * create/read/update/delete of the package's resources (resources.ts) go straight to the library's provider — the
 * code that runs a TypeScript program's dynamic resources, so plans, drift, ownership, the API budget and error
 * messages are the same.
 */
export function componentPackageProvider(components: ComponentProvider): Provider {
  return {
    version: components.version,
    getSchema: () => components.getSchema(),
    construct: (name, type, inputs, options) => components.construct(name, type, inputs, options),
    check: async (_urn, _olds, news) => engine.check(news),
    diff: async (_id, _urn, olds, news) => engine.diff(olds, news),
    create: (_urn, inputs) => engine.create(inputs),
    read: (id, _urn, props) => engine.read(id, props ?? {}),
    update: (_id, _urn, olds, news) => engine.update(olds, news),
    delete: (_id, _urn, props) => engine.delete(props),
  };
}
