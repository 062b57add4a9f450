/**
 * The service dies in the middle of a deploy (SIGKILL of it and every process it started, as a lost machine or
 * an OOM kill would). After a restart the tenant's stack is still locked: the next upload fails at once with
 * `stack-locked` and a message that names the fix, the tenant's state says "locked", POST …/unlock releases
 * it, and the upload after that goes live.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { EMULATOR_ACCOUNT, emulatorAdmin, fetchSite } from "../fixtures/emulator.mjs";
import { isAlive } from "../fixtures/process-tree.mjs";
import { pulumiBinDir } from "../fixtures/repo.mjs";
import { siteArchive } from "./archives.js";
import { acceptedSchema, call, followEvents, putSite } from "./service-client.js";
import { startService, type RunningService } from "./service-process.js";

const TOKEN = "platform-lock-token-2b8e61f0c4";
const FILES = { "index.html": "<h1>acme</h1>", "about.html": "<h1>about acme</h1>" };

let emulator: RunningEmulator;
let dataDir: string;
let env: Record<string, string | undefined>;
let service: RunningService | undefined;

beforeAll(async () => {
  const binDir = await pulumiBinDir();
  emulator = await startEmulator({ tokens: [TOKEN] });
  await emulatorAdmin({ url: emulator.url, token: TOKEN }).createNamespace("tenants");
  dataDir = mkdtempSync(path.join(tmpdir(), "platform-lock-"));
  env = {
    PLATFORM_DATA_DIR: dataDir,
    PLATFORM_PULUMI_ROOT: path.dirname(binDir),
    CLOUDFLARE_API_BASE_URL: emulator.url,
    CLOUDFLARE_API_TOKEN: TOKEN,
    CLOUDFLARE_ACCOUNT_ID: EMULATOR_ACCOUNT,
    PULUMI_BACKEND_URL: undefined,
    PULUMI_CONFIG_PASSPHRASE: undefined,
  };
}, 45 * 60_000);

afterAll(async () => {
  if (service && isAlive(service.pid)) await service.stop();
  await emulator?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

it("reports a stack a crash left locked, and unlocks it on request", { timeout: 300_000 }, async () => {
  // A slow first upload, so the kill lands while the provider is uploading. (Short: the emulator's close()
  // waits for a request still sitting in its latency.)
  emulator.setFaults("upload=latency:6000*1");
  service = await startService(env);
  const accepted = await putSite(service.url, "acme", siteArchive("tar.gz", FILES));
  expect(accepted.status).toBe(202);
  const { deployment } = acceptedSchema.parse(accepted.json);
  // Follow the events until the provider announces the upload, then kill everything.
  const stream = await fetch(`${service.url}/tenants/acme/deployments/${deployment.id}/events`);
  const reader = stream.body!.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  while (!/tenants\/acme: 2 new of 2 files/.test(seen)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the deploy ended before it uploaded:\n${seen}`);
    seen += decoder.decode(value, { stream: true });
  }
  service.crash();
  await service.exited;
  await reader.cancel().catch(() => {});
  emulator.setFaults(undefined);

  service = await startService(env);
  const retry = await putSite(service.url, "acme", siteArchive("tar.gz", FILES));
  const locked = await followEvents(service.url, "acme", acceptedSchema.parse(retry.json).deployment.id);
  expect(locked.deployment.status).toBe("failed");
  expect(locked.deployment.error?.code).toBe("stack-locked");
  expect(locked.deployment.error?.message).toMatch(/stack wfp-tenants\/acme is locked .*POST \/tenants\/acme\/unlock/s);
  expect((await call(service.url, "GET", "/tenants/acme")).json).toMatchObject({ status: "locked", error: { code: "stack-locked" } });

  const unlock = await fetch(`${service.url}/tenants/acme/unlock?follow=1`, { method: "POST" });
  const unlockText = await unlock.text();
  expect(unlockText).toMatch(/lock released/);
  expect(unlockText.trimEnd().split("\n").at(-1)).toBe("succeeded");

  const again = await putSite(service.url, "acme", siteArchive("tar.gz", FILES));
  const live = await followEvents(service.url, "acme", acceptedSchema.parse(again.json).deployment.id);
  expect(live.deployment.status, live.lines.join("\n")).toBe("succeeded");
  expect((await fetchSite(emulator.origin, { namespace: "tenants", script: "acme" }, "/about")).body).toBe(FILES["about.html"]);
  expect((await call(service.url, "GET", "/tenants/acme")).json).toMatchObject({ status: "live", live: { fileCount: 2 } });
});
