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
 * server answers it. That server accepts Configure but hands its variables to no one (provider/server.js), while the
 * library's provider needs them for credentials and transport settings; so the gRPC service is wrapped where
 * @pulumi/pulumi registers it. The gRPC library is resolved from @pulumi/pulumi's own folder: it must be the copy the
 * provider server uses.
 */
export function onConfigure(listener: (variables: Map<string, string>) => void): void {
  const sdkRoot = dirname(require.resolve("@pulumi/pulumi/package.json"));
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
