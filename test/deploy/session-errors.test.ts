/** A refused upload session says what to do about it, by status: token, missing namespace, or just retry. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudflareClient } from "../../src/cloudflare/index.js";
import { DeployError } from "../../src/deploy/index.js";
import { openUploadSession } from "../../src/deploy/session.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "session-errors-token-5d1c";
const MANIFEST = { "/index.html": { hash: "0123456789abcdef0123456789abcdef", size: 5 } };

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [TOKEN], log: () => {} });
});
afterAll(async () => {
  await emulator?.close();
});

async function sessionError(token: string, namespace?: string): Promise<DeployError> {
  const client = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: token }, retry: { maxAttempts: 1 } });
  try {
    await openUploadSession(client, { accountId: ACCOUNT, namespace, scriptName: "acme" }, MANIFEST);
  } catch (error) {
    expect(error).toBeInstanceOf(DeployError);
    return error as DeployError;
  } finally {
    await client.close();
  }
  throw new Error("the session was not refused");
}

describe("openUploadSession refusals", () => {
  it("a namespace that does not exist: create it or fix `namespace`, not 'run it again'", async () => {
    const error = await sessionError(TOKEN, "ghosts");
    expect(error.status).toBe(404);
    expect(error.message).toMatch(/the dispatch namespace "ghosts" does not exist in account 0123456789abcdef0123456789abcdef/);
    expect(error.message).toMatch(/wrangler dispatch-namespace create ghosts/);
    expect(error.message).not.toMatch(/running the deploy again resumes/);
  });

  it("a rejected token: check the token, and where it comes from", async () => {
    const error = await sessionError("not-the-token-123");
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/check that the API token is valid and may edit Workers scripts of account/);
    expect(error.message).toMatch(/`cloudflare:apiToken` stack config or CLOUDFLARE_API_TOKEN/);
  });

  it("a server error: run it again, uploads are kept", async () => {
    emulator.setFaults("session=503");
    try {
      const error = await sessionError(TOKEN);
      expect(error.status).toBe(503);
      expect(error.message).toMatch(/running the deploy again resumes/);
    } finally {
      emulator.setFaults(undefined);
    }
  });
});
