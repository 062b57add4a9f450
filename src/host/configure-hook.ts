import { dirname } from "node:path";

type Callback = (error: unknown, response?: unknown) => void;
interface ConfigureCall {
  request: { getVariablesMap(): { forEach(visit: (value: string, key: string) => void): void } };
}
interface ServiceImplementation {
  configure?: (call: ConfigureCall, callback: Callback) => unknown;
}

/**
 * Calls `listener` with the provider's configuration (the engine's Configure call) before @pulumi/pulumi's provider
 * server answers it.
 *
 * Why: that server accepts Configure but hands its variables to no one (`configure` in @pulumi/pulumi provider/server.js
 * answers without reading them), while the component package's provider needs them for credentials and transport
 * settings; the SDK offers no other way to them. What it relies on (checked against @pulumi/pulumi 3.139.0 and 3.259.0;
 * test/host/configure-hook.test.ts): the server registers its implementation with `grpc.Server.prototype.addService`
 * of the `@grpc/grpc-js` copy resolved from the SDK's folder, as an object with a `configure(call, callback)` method
 * whose request has `getVariablesMap()`. So `addService` is wrapped — for the plugin process only, which calls this
 * once at start (packages/pulumi-wfp-assets-components/src/main.ts); a library import never does. `sdkRoot` is the
 * folder of the @pulumi/pulumi whose provider server is wrapped (the plugin passes its own).
 */
export function onConfigure(listener: (variables: Map<string, string>) => void, sdkRoot: string = dirname(require.resolve("@pulumi/pulumi/package.json"))): void {
  const grpc = require(require.resolve("@grpc/grpc-js", { paths: [sdkRoot] })) as {
    Server: { prototype: { addService(service: unknown, implementation: ServiceImplementation): void } };
  };
  const addService = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (this: unknown, service: unknown, implementation: ServiceImplementation) {
    const configure = implementation.configure;
    if (typeof configure === "function") {
      implementation.configure = function (this: unknown, call: ConfigureCall, callback: Callback) {
        const variables = new Map<string, string>();
        try {
          call.request.getVariablesMap().forEach((value, key) => variables.set(key, value));
          listener(variables);
        } catch (error) {
          callback(error);
          return undefined;
        }
        return configure.call(this, call, callback);
      };
    }
    return addService.call(this, service, implementation);
  };
}
