/**
 * A dynamic provider's warning as a real diagnostic of `pulumi up` ("warning: …", counted in the update's summary).
 *
 * Why: the dynamic-provider host gives providers no logger, and what a provider prints shows up as a plain info line
 * that is easy to miss. What it relies on (checked against @pulumi/pulumi 3.139.0 and 3.259.0; test/host/engine-log-rpc.test.ts):
 * - the host (`@pulumi/pulumi/cmd/dynamic-provider`) is started with the engine's gRPC address as its first argument
 *   (`main(process.argv.slice(2))`), so it is `process.argv[2]` in the provider process;
 * - the SDK ships its generated gRPC client and messages as `@pulumi/pulumi/proto/engine_grpc_pb.js` and
 *   `engine_pb.js` (not a public API), and `@grpc/grpc-js` as its own dependency — the copy it uses, resolved from the
 *   SDK's folder. The call is the one `pulumi.log.warn` makes in a program.
 * The warning is attached to the stack, not to a resource: the host does not pass the URN to provider methods.
 */
import { dirname } from "node:path";

/** host:port, as the engine passes it; anything else is not an engine address. */
const ENGINE_ADDRESS = /^[\w.[\]:-]+:\d+$/;

/** The engine's address if this process is a dynamic-provider host started by the engine. */
export function engineAddress(argv: readonly string[] = process.argv): string | undefined {
  const address = argv[2];
  return address !== undefined && ENGINE_ADDRESS.test(address) ? address : undefined;
}

interface EngineClient {
  log(request: unknown, callback: (error: Error | null) => void): void;
  close(): void;
}

/** Sends `message` to the engine at `address` as a WARNING; rejects if the SDK's modules or the engine fail. */
export async function logWarningToEngine(address: string, message: string): Promise<void> {
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
