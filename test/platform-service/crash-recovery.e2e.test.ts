/**
 * A 202 is a promise (README "Failure behaviour"): the service and every process it started — its Postgres
 * too — are killed with SIGKILL at two points, and after a restart every accepted upload goes live with no
 * person involved:
 * - in the middle of a deploy: the restarted service's reaper sees the dead replica's lease expire, its job
 *   runs again, the stack lock of the dead run is released, and the same deployment finishes ("resuming");
 * - right after several 202s, before their deploys ran: they run after the restart.
 * Then /unlock, still there for a lock the service cannot account for, releases one made by hand.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { emulatorAdmin, servedBody } from "../fixtures/emulator.mjs";
import { isAlive } from "../fixtures/process-tree.mjs";
import { siteArchive } from "./archives.js";
import { acceptedSchema, call, followEvents, putSite } from "./service-client.js";
import { serviceEnv } from "./service-env.js";
import { startService, type RunningService } from "./service-process.js";

const TOKEN = "platform-crash-token-2b8e61f0c4";
const page = (text: string) => ({ "index.html": `<h1>${text}</h1>`, "about.html": `<h1>about ${text}</h1>` });

let emulator: RunningEmulator;
let dataDir: string;
let env: Record<string, string | undefined>;
let service: RunningService | undefined;

async function accepted(tenant: string, text: string): Promise<string> {
  const answer = await putSite(service!.url, tenant, siteArchive("tar.gz", page(text)), "?htmlHandling=none");
  expect(answer.status, answer.text).toBe(202);
  return acceptedSchema.parse(answer.json).deployment.id;
}

async function crash(): Promise<void> {
  service!.crash();
  await service!.exited;
}

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [TOKEN] });
  await emulatorAdmin({ url: emulator.url, token: TOKEN }).createNamespace("tenants");
  dataDir = mkdtempSync(path.join(tmpdir(), "platform-crash-"));
  // The embedded Postgres; a short lease, so the restarted replica takes over the dead one's jobs within seconds.
  env = await serviceEnv({ dataDir, emulator: { url: emulator.url, token: TOKEN }, extra: { PLATFORM_LEASE_SECONDS: "3" } });
}, 45 * 60_000);

afterAll(async () => {
  if (service && isAlive(service.pid)) await service.stop();
  await emulator?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

it("finishes a deploy that a SIGKILL cut in the middle, after the restart, by itself", { timeout: 300_000 }, async () => {
  // A slow first upload, so the kill lands while the provider is uploading.
  emulator.setFaults("upload=latency:6000*1");
  service = await startService(env);
  const id = await accepted("acme", "acme v1");
  const stream = await fetch(`${service.url}/tenants/acme/deployments/${id}/events`);
  const reader = stream.body!.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  while (!/tenants\/acme: 2 new of 2 files/.test(seen)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the deploy ended before it uploaded:\n${seen}`);
    seen += decoder.decode(value, { stream: true });
  }
  await crash();
  await reader.cancel().catch(() => {});
  emulator.setFaults(undefined);

  service = await startService(env);
  // The same deployment, followed on the new process, finishes.
  const finished = await followEvents(service.url, "acme", id);
  expect(finished.deployment.status, finished.lines.join("\n")).toBe("succeeded");
  expect(finished.lines).toContainEqual(expect.stringMatching(/^resuming: replica-\w+ stopped during this deploy \(attempt 1\); replica-\w+ finishes it$/));
  expect(finished.lines).toContainEqual("deploy started again");
  expect(await servedBody(emulator.origin, "tenants", "acme", "/about.html")).toBe("<h1>about acme v1</h1>");
  expect((await call(service.url, "GET", "/tenants/acme")).json).toMatchObject({ status: "live", live: { fileCount: 2, deploymentId: id } });
});

it("runs every upload answered 202 before a SIGKILL, after the restart", { timeout: 300_000 }, async () => {
  service = await startService({ ...env, PLATFORM_MAX_CONCURRENT_DEPLOYS: "1" });
  const ids = new Map<string, string>();
  for (const tenant of ["beta", "gamma", "delta"]) ids.set(tenant, await accepted(tenant, `${tenant} v1`));
  // Killed at once: at most the first deploy has started; the others are only in the database.
  await crash();

  service = await startService(env);
  for (const [tenant, id] of ids) {
    const finished = await followEvents(service.url, tenant, id);
    expect(finished.deployment.status, `${tenant}: ${finished.lines.join("\n")}`).toBe("succeeded");
    expect(await servedBody(emulator.origin, "tenants", tenant, "/index.html")).toBe(`<h1>${tenant} v1</h1>`);
  }
  // Each upload deployed once: one deploy record per tenant, no duplicate.
  for (const tenant of ids.keys()) {
    expect((await call(service.url, "GET", `/tenants/${tenant}`)).json).toMatchObject({ status: "live", waiting: [] });
  }
});

it("still releases, on request, a lock it cannot account for", { timeout: 300_000 }, async () => {
  service ??= await startService(env);
  // A lock file as another tool's crashed `pulumi up` would leave it in the file backend.
  const locks = path.join(dataDir, "state", ".pulumi", "locks", "organization", "wfp-tenants", "acme");
  mkdirSync(locks, { recursive: true });
  writeFileSync(path.join(locks, "by-hand.json"), JSON.stringify({ pid: 1, username: "someone", hostname: "elsewhere", timestamp: new Date().toISOString() }));
  const blocked = await followEvents(service.url, "acme", await accepted("acme", "acme v2"));
  expect(blocked.deployment.error?.code, blocked.lines.join("\n")).toBe("stack-locked");
  expect((await call(service.url, "GET", "/tenants/acme")).json).toMatchObject({ status: "locked" });

  const unlock = await fetch(`${service.url}/tenants/acme/unlock?follow=1`, { method: "POST" });
  const text = await unlock.text();
  expect(text).toMatch(/lock released/);
  expect(text.trimEnd().split("\n").at(-1)).toBe("succeeded");
  expect(readdirSync(locks)).toEqual([]);
  const live = await followEvents(service.url, "acme", await accepted("acme", "acme v2"));
  expect(live.deployment.status, live.lines.join("\n")).toBe("succeeded");
  expect(await servedBody(emulator.origin, "tenants", "acme", "/index.html")).toBe("<h1>acme v2</h1>");
});
