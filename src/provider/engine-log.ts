import { dirname } from "node:path";

/**
 * Warnings that reach `pulumi up`'s output as real diagnostics ("warning: …", counted in the update's summary).
 *
 * The dynamic-provider host gives providers no logger, and what a provider prints shows up as a plain info line that
 * is easy to miss. The host is started with the engine's gRPC address as its first argument
 * (`@pulumi/pulumi/cmd/dynamic-provider`, `main(process.argv.slice(2))`), so the provider can call the engine's Log
 * RPC itself with the SDK's own generated client — the same call `pulumi.log.warn` makes in a program. The warning is
 * attached to the stack, not to a resource: the host does not pass the URN to provider methods.
 */
export async function warn(message: string): Promise<void> {
  try {
    await engineLog(message);
  } catch {
    // Not started by the engine (a test calling the engine directly) or an SDK without these modules: stderr still shows it.
    process.stderr.write(`warning: ${message}\n`);
  }
}

interface EngineClient {
  log(request: unknown, callback: (error: Error | null) => void): void;
  close(): void;
}

async function engineLog(message: string): Promise<void> {
  const address = process.argv[2];
  if (address === undefined || !/^[\w.[\]:-]+:\d+$/.test(address)) throw new Error("no engine address");
  // Resolved from @pulumi/pulumi's own folder: grpc-js is its dependency, not ours, and must be the copy it uses.
  const sdkRoot = dirname(require.resolve("@pulumi/pulumi/package.json"));
  const grpc = require(require.resolve("@grpc/grpc-js", { paths: [sdkRoot] })) as { credentials: { createInsecure(): unknown } };
  const services = require("@pulumi/pulumi/proto/engine_grpc_pb.js") as { EngineClient: new (address: string, credentials: unknown) => EngineClient };
  const messages = require("@pulumi/pulumi/proto/engine_pb.js") as {
    LogRequest: new () => { setSeverity(s: number): void; setMessage(m: string): void };
    LogSeverity: { WARNING: number };
  };
  const request = new messages.LogRequest();
  request.setSeverity(messages.LogSeverity.WARNING);
  request.setMessage(message);
  const client = new services.EngineClient(address, grpc.credentials.createInsecure());
  try {
    await new Promise<void>((resolve, reject) => client.log(request, (error) => (error ? reject(error) : resolve())));
  } finally {
    client.close();
  }
}
