/**
 * What src/host/engine-log-rpc.ts relies on, for the pinned SDK and the oldest the package supports: the
 * dynamic-provider host passes the engine's address as its first argument (argv[2]), and the SDK's generated engine
 * client and messages are where the module loads them; and a warning sent with them reaches an engine (a gRPC server
 * made with the SDK's own EngineService definition) as a WARNING with its text.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { engineAddress, logWarningToEngine } from "../../src/host/engine-log-rpc.js";

const nodeRequire = createRequire(__filename);
const sdkRoot = (sdk: string): string => path.dirname(nodeRequire.resolve(`${sdk}/package.json`));
const closers: Array<() => void> = [];
afterAll(() => closers.forEach((close) => close()));

describe("the SDK's dynamic-provider host and engine modules", () => {
  for (const sdk of ["@pulumi/pulumi", "pulumi-sdk-oldest"]) {
    it(`${sdk}: the host takes the engine address as its first argument, and the engine client and messages exist`, () => {
      const host = readFileSync(path.join(sdkRoot(sdk), "cmd", "dynamic-provider", "index.js"), "utf8");
      expect(host).toContain("main(process.argv.slice(2))");
      const services = nodeRequire(path.join(sdkRoot(sdk), "proto", "engine_grpc_pb.js"));
      const messages = nodeRequire(path.join(sdkRoot(sdk), "proto", "engine_pb.js"));
      expect(typeof services.EngineClient).toBe("function");
      expect(typeof messages.LogRequest).toBe("function");
      expect(typeof messages.LogSeverity.WARNING).toBe("number");
    });
  }
});

describe("engineAddress", () => {
  it("is argv[2] when it is host:port, else undefined", () => {
    expect(engineAddress(["node", "provider", "127.0.0.1:40123"])).toBe("127.0.0.1:40123");
    expect(engineAddress(["node", "provider", "[::1]:40123"])).toBe("[::1]:40123");
    expect(engineAddress(["node", "vitest", "run"])).toBeUndefined();
    expect(engineAddress(["node"])).toBeUndefined();
  });
});

describe("logWarningToEngine", () => {
  it("reaches an engine as a WARNING with the message", async () => {
    const root = sdkRoot("@pulumi/pulumi");
    const grpc = nodeRequire(nodeRequire.resolve("@grpc/grpc-js", { paths: [root] }));
    const services = nodeRequire(path.join(root, "proto", "engine_grpc_pb.js"));
    const messages = nodeRequire(path.join(root, "proto", "engine_pb.js"));
    const emptyPb = nodeRequire(nodeRequire.resolve("google-protobuf/google/protobuf/empty_pb.js", { paths: [root] }));
    const received: Array<{ severity: number; message: string }> = [];
    const server = new grpc.Server();
    server.addService(services.EngineService, {
      log: (call: { request: { getSeverity(): number; getMessage(): string } }, callback: (error: null, answer: unknown) => void) => {
        received.push({ severity: call.request.getSeverity(), message: call.request.getMessage() });
        callback(null, new emptyPb.Empty());
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error: Error | null, bound: number) => (error ? reject(error) : resolve(bound))),
    );
    closers.push(() => server.forceShutdown());
    await logWarningToEngine(`127.0.0.1:${port}`, "Left the script in place");
    expect(received).toEqual([{ severity: messages.LogSeverity.WARNING, message: "Left the script in place" }]);
  });
});
