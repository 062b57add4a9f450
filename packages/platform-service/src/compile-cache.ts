/**
 * Node's compile cache for the provider processes (README "Performance"). Every deploy's engine starts a dynamic
 * provider: a Node process that loads @pulumi/pulumi (gRPC, protobuf) and pulumi-wfp-assets, about 0.8 CPU-s of
 * compiling, 0.5 with the cache. A provider never writes the cache itself: Node writes it at a normal exit, and the
 * engine ends its providers with a signal. So the service fills it once at start, in a process of its own that
 * loads the same modules from the same folder and exits; the providers (NODE_COMPILE_CACHE in their environment)
 * only read it.
 */
import { spawn } from "node:child_process";

/** What the dynamic provider loads before it serves (@pulumi/pulumi/cmd/dynamic-provider/index.js), and the package. */
const PROVIDER_MODULES = [
  "source-map-support/register",
  "@grpc/grpc-js",
  "@pulumi/pulumi",
  "@pulumi/pulumi/runtime",
  "@pulumi/pulumi/dynamic",
  "@pulumi/pulumi/cmd/dynamic-provider/config",
  "@pulumi/pulumi/proto/provider_grpc_pb",
  "@pulumi/pulumi/proto/provider_pb",
  "@pulumi/pulumi/proto/plugin_pb",
  "require-from-string",
  "pulumi-wfp-assets",
  "pulumi-wfp-assets/provider",
];

/**
 * Loads the provider's modules in `cwd` (the project's `main`, where the providers resolve them) with the cache
 * in `cacheDir`. Never fails the caller: without a filled cache the providers compile as before.
 */
export function fillCompileCache(cwd: string, cacheDir: string, log: (line: string) => void): Promise<void> {
  const script = `for (const m of ${JSON.stringify(PROVIDER_MODULES)}) { try { require(m); } catch {} }`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", script], { cwd, env: { ...process.env, NODE_COMPILE_CACHE: cacheDir }, stdio: "ignore" });
    child.once("error", (error) => {
      log(`compile cache: ${error.message} (providers compile their modules themselves)`);
      resolve();
    });
    child.once("exit", () => resolve());
  });
}
