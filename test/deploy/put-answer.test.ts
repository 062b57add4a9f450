/**
 * A script PUT answer is parsed as Cloudflare's schema promises (only `startup_time_ms` required, docs/cloudflare-api.md §15.3): a deploy
 * Cloudflare applied never fails because `id`, `etag`, `has_assets`, `created_on` or `modified_on` is missing — the
 * deploy reads the script back instead.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CloudflareClient, routes } from "../../src/cloudflare/index.js";
import { deployAssets } from "../../src/deploy/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { buildManifest } from "../../src/manifest/index.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "put-answer-token-0c3b";
let emulator: RunningEmulator;
let client: CloudflareClient;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [TOKEN], minimalPutAnswers: true });
  client = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: TOKEN } });
  await client.request({ method: "POST", path: routes.namespacesPath(ACCOUNT), json: { name: "tenants" }, schema: z.unknown() });
  dir = await mkdtemp(path.join(os.tmpdir(), "wfp-put-answer-"));
  await writeFile(path.join(dir, "index.html"), "<h1>minimal</h1>");
});

afterAll(async () => {
  await client?.close();
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a PUT answer with only startup_time_ms", () => {
  it.each([{ namespace: "tenants" }, { namespace: undefined }])("is completed from a read of the script (%o)", async ({ namespace }) => {
    const target = { accountId: ACCOUNT, namespace, scriptName: "minimal" };
    const before = (await emulator.stats()).accounts[ACCOUNT]?.requests ?? {};
    const result = await deployAssets(client, { target, assets: await buildManifest(dir) });
    const stats = await emulator.stats();
    const live = namespace ? stats.accounts[ACCOUNT]!.namespaces.tenants!.scripts.minimal! : stats.accounts[ACCOUNT]!.scripts!.minimal!;
    expect(result.script).toMatchObject({ id: "minimal", etag: live.etag, modifiedOn: live.modifiedOn, hasAssets: true });
    const after = stats.accounts[ACCOUNT]!.requests;
    const reads = namespace ? "GET namespace-script" : "GET account-scripts";
    expect((after[reads] ?? 0) - (before[reads] ?? 0)).toBe(1);
  });
});
