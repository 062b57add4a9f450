/**
 * The body of a deploy thread (a WorkerPool thread of deploy-thread.ts). It runs deployAssets — reading, hashing,
 * base64-encoding and sending the buckets, the session and the script PUT — on its own V8 heap, sized when the thread
 * started (the provider process's own heap cannot be sized: the engine starts it; bench/README.md, big-site).
 *
 * Each job is one deploy; several may run at once. The client made here sends the same requests as the caller's
 * (ClientThreadOptions) but asks the caller's API budget for every call (budget-bridge.ts), so the process keeps one
 * budget per token whatever thread sends.
 */
import { CloudflareClient } from "../cloudflare/client.js";
import { serveJobs, type JobChannel } from "../worker-thread/index.js";
import { RemoteBudget } from "./budget-bridge.js";
import { deployAssets } from "./deploy.js";
import { DEPLOY_ERROR_TYPES } from "./thread-errors.js";
import type { DeployResult } from "./types.js";
import { deployJobInputSchema, parentMessageSchema, type DeployJobInput, type ThreadMessage } from "./worker-protocol.js";

serveJobs((input, channel) => deployOnThisThread(deployJobInputSchema.parse(input) as DeployJobInput, channel), DEPLOY_ERROR_TYPES);

async function deployOnThisThread(input: DeployJobInput, channel: JobChannel): Promise<DeployResult> {
  const post = (message: ThreadMessage): void => channel.post(message);
  const budget = new RemoteBudget(post, input.budget);
  channel.onMessage((body) => budget.handle(parentMessageSchema.parse(body)));
  channel.onClose(() => budget.close(new Error("the deploy's port to the calling thread closed")));
  const client = new CloudflareClient({ ...input.client, budget, env: {} });
  try {
    return await deployAssets(client, input.request, {
      onProgress: (event) => post({ type: "event", event }),
      concurrency: input.concurrency,
      ...(input.maxSessions !== undefined ? { maxSessions: input.maxSessions } : {}),
    });
  } finally {
    // The sockets are this deploy's own.
    await client.close();
  }
}
