/**
 * The body of a deploy thread (started by deploy-thread.ts from the compiled dist/deploy/deploy-worker.js). It runs
 * deployAssets — reading, hashing, base64-encoding and sending the buckets, the session and the script PUT — on its
 * own V8 heap, whose young generation the parent sized when it started the thread (the provider process's own heap
 * cannot be sized: the engine starts it; bench/README.md, big-site).
 *
 * Each `deploy` message is one deploy, reported on its own MessagePort; several may run at once. The client made
 * here sends the same requests as the parent's (ClientThreadOptions) but asks the parent's API budget for every call
 * (budget-bridge.ts), so the process keeps one budget per token whatever thread sends.
 */
import { parentPort, type MessagePort } from "node:worker_threads";
import { CloudflareClient } from "../cloudflare/client.js";
import { RemoteBudget, type BudgetRequest } from "./budget-bridge.js";
import { deployAssets } from "./deploy.js";
import type { DeployEvent } from "./progress.js";
import { toTransferred } from "./transferred-error.js";
import { parentMessageSchema, startDeploySchema, type StartDeployMessage, type ThreadMessage } from "./worker-protocol.js";

if (!parentPort) {
  throw new Error("deploy-worker.js runs only as a worker thread, started by deployAssets(…, { offThread: true }) (src/deploy/deploy-thread.ts).");
}

parentPort.on("message", (raw: unknown) => {
  // A malformed start message is a bug of this package: let it crash the thread, whose parent fails its deploys.
  const message = startDeploySchema.parse(raw) as StartDeployMessage;
  void runDeploy(message);
});

async function runDeploy(message: StartDeployMessage): Promise<void> {
  const port: MessagePort = message.port;
  const post = (out: ThreadMessage | BudgetRequest): void => port.postMessage(out);
  const budget = new RemoteBudget(post, message.budget);
  port.on("message", (raw: unknown) => budget.handle(parentMessageSchema.parse(raw)));
  port.once("close", () => budget.close(new Error("the deploy's port to the provider thread closed")));

  const client = new CloudflareClient({ ...message.client, budget, env: {} });
  try {
    const result = await deployAssets(client, message.request, {
      onProgress: (event: DeployEvent) => post({ type: "event", event }),
      concurrency: message.concurrency,
      ...(message.maxSessions !== undefined ? { maxSessions: message.maxSessions } : {}),
    });
    post({ type: "result", result });
  } catch (error) {
    post({ type: "error", error: toTransferred(error) });
  } finally {
    // The parent closes the port once it has read the answer; the sockets are this deploy's own.
    await client.close();
  }
}
