/**
 * onConfigure (src/host/configure-hook.ts) against the SDK's real provider server, for the pinned SDK and the oldest
 * the package supports: a plugin process wraps the server, the engine's Configure call (made here with the SDK's own
 * gRPC client) reaches the listener with its variables, and the server still answers it. If an SDK registers its
 * service differently or renames the request's accessors, this fails.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { NODE, REPO_ROOT } from "../fixtures/repo.mjs";

const nodeRequire = createRequire(__filename);
const SDKS = { pinned: "@pulumi/pulumi", oldest: "pulumi-sdk-oldest" };
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

/** A plugin process: the hook from the sources, then the SDK's provider `main`, which prints its port. */
function startPlugin(sdk: string): Promise<{ port: number; stderr: () => string }> {
  const sdkRoot = path.dirname(nodeRequire.resolve(`${sdk}/package.json`));
  const hook = path.join(REPO_ROOT, "src", "host", "configure-hook.ts");
  const script = `
    require(${JSON.stringify(path.join(REPO_ROOT, "src", "worker-thread", "typescript-sources.ts"))}).registerTypeScriptSources(${JSON.stringify(hook)});
    require(${JSON.stringify(hook)}).onConfigure((variables) => process.stderr.write("VARIABLES " + JSON.stringify([...variables]) + "\\n"), ${JSON.stringify(sdkRoot)});
    require(${JSON.stringify(path.join(sdkRoot, "provider"))}).main({ version: "0.0.1" }, []);`;
  const child = spawn(NODE, ["-e", script], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", (chunk: Buffer) => resolve({ port: Number(chunk.toString().trim()), stderr: () => stderr }));
    child.once("exit", (code) => reject(new Error(`the plugin exited with ${code}: ${stderr}`)));
  });
}

/** The engine's Configure call, with the SDK's generated client and messages. */
async function configure(sdk: string, port: number, variables: Record<string, string>): Promise<{ acceptSecrets: boolean }> {
  const sdkRoot = path.dirname(nodeRequire.resolve(`${sdk}/package.json`));
  const grpc = nodeRequire(nodeRequire.resolve("@grpc/grpc-js", { paths: [sdkRoot] }));
  const services = nodeRequire(path.join(sdkRoot, "proto", "provider_grpc_pb.js"));
  const messages = nodeRequire(path.join(sdkRoot, "proto", "provider_pb.js"));
  const request = new messages.ConfigureRequest();
  for (const [key, value] of Object.entries(variables)) request.getVariablesMap().set(key, value);
  const client = new services.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    const response = await new Promise<{ getAcceptsecrets(): boolean }>((resolve, reject) =>
      client.configure(request, (error: Error | null, answer: { getAcceptsecrets(): boolean }) => (error ? reject(error) : resolve(answer))),
    );
    return { acceptSecrets: response.getAcceptsecrets() };
  } finally {
    client.close();
  }
}

describe("onConfigure", () => {
  for (const [label, sdk] of Object.entries(SDKS)) {
    it(`hands the engine's Configure variables to the listener, and the SDK still answers (${label} SDK)`, async () => {
      const plugin = await startPlugin(sdk);
      const answer = await configure(sdk, plugin.port, { "cloudflare:apiToken": "token-1", "wfp-assets:apiBudget": "600/5m" });
      expect(answer).toEqual({ acceptSecrets: true });
      expect(plugin.stderr()).toContain(`VARIABLES ${JSON.stringify([["cloudflare:apiToken", "token-1"], ["wfp-assets:apiBudget", "600/5m"]])}`);
    });
  }
});
