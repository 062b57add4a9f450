/**
 * What the service promises around its database (README "Failure behaviour"), with the database outside the
 * service as in production (DATABASE_URL), judged by what the emulator serves:
 * - SIGKILL while an upload is being received: nothing is half-stored (no record, no job, no tenant), the client
 *   sees its connection fail, and sending it again works;
 * - the database restarts while a deploy runs: the service reconnects, the deploy ends live, nothing is lost.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { emulatorAdmin, servedBody } from "../fixtures/emulator.mjs";
import { isAlive } from "../fixtures/process-tree.mjs";
import { siteArchive } from "./archives.js";
import { head, rawRequest } from "./http/raw-http.js";
import { startTestPostgres, type TestPostgres } from "./postgres.js";
import { acceptedSchema, call, followEvents, putSite } from "./service-client.js";
import { serviceEnv } from "./service-env.js";
import { startService, type RunningService } from "./service-process.js";

const TOKEN = "platform-durable-token-8c3e1a";

let emulator: RunningEmulator;
let postgres: TestPostgres;
let databaseUrl: string;
let dataDir: string;
let env: Record<string, string | undefined>;
let service: RunningService | undefined;

async function count(sql: string, params: unknown[]): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(sql, params)).rows[0]!.n);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [TOKEN] });
  await emulatorAdmin({ url: emulator.url, token: TOKEN }).createNamespace("tenants");
  postgres = await startTestPostgres();
  databaseUrl = await postgres.database();
  dataDir = mkdtempSync(path.join(tmpdir(), "platform-durable-"));
  // The Pulumi state stays in a file backend here: this test is about the service's own reconnection. With the state in
  // the restarted database too (the DATABASE_URL default since the Postgres backend), a deploy caught by the restart
  // has failed on a loaded machine; that case is not yet covered (session note, issue 18).
  env = await serviceEnv({
    dataDir,
    emulator: { url: emulator.url, token: TOKEN },
    databaseUrl,
    extra: { PLATFORM_LEASE_SECONDS: "3", PULUMI_BACKEND_URL: `file://${path.join(dataDir, "state")}` },
  });
  service = await startService(env);
}, 45 * 60_000);

afterAll(async () => {
  if (service && isAlive(service.pid)) await service.stop();
  await emulator?.close();
  await postgres?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

it("SIGKILL while an upload is received: nothing half-stored, the client's connection fails, a retry works", { timeout: 300_000 }, async () => {
  // Random bytes do not compress: the archive is larger than the part sent before the kill.
  const archive = siteArchive("tar.gz", { "index.html": "<h1>half</h1>", "big.bin": randomBytes(64 * 1024) });
  expect(archive.length).toBeGreaterThan(60_000);
  const { port } = new URL(service!.url);
  const receiving = rawRequest({
    port: Number(port),
    head: head("PUT", "/tenants/half/site?htmlHandling=none", { "content-length": String(archive.length) }),
    body: [archive.subarray(0, 1000), 5000, archive.subarray(1000)],
    timeoutMs: 20_000,
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  service!.crash();
  await service!.exited;
  const answer = await receiving;
  expect(answer.status).toBe(0);
  expect(await count("select count(*) as n from platform_deployments where tenant = $1", ["half"])).toBe(0);
  expect(await count("select count(*) as n from graphile_worker._private_jobs", [])).toBe(0);

  service = await startService(env);
  expect((await call(service.url, "GET", "/tenants/half")).status).toBe(404);
  const retry = await putSite(service.url, "half", archive, "?htmlHandling=none");
  expect(retry.status, retry.text).toBe(202);
  const finished = await followEvents(service.url, "half", acceptedSchema.parse(retry.json).deployment.id);
  expect(finished.deployment.status, finished.lines.join("\n")).toBe("succeeded");
  expect(await servedBody(emulator.origin, "tenants", "half", "/index.html")).toBe("<h1>half</h1>");
});

it("the database restarts while a deploy runs: the service reconnects and the deploy ends live", { timeout: 300_000 }, async () => {
  emulator.setFaults("upload=latency:5000*1");
  const accepted = await putSite(service!.url, "steady", siteArchive("tar.gz", { "index.html": "<h1>steady</h1>" }), "?htmlHandling=none");
  expect(accepted.status, accepted.text).toBe(202);
  const id = acceptedSchema.parse(accepted.json).deployment.id;
  // Wait until the deploy runs (the provider is held in the upload by the fault), then restart the database.
  for (let i = 0; i < 200; i++) {
    if ((await count("select count(*) as n from platform_deployments where id = $1 and status = 'running'", [id])) === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await postgres.restart({ downMs: 2000 });
  emulator.setFaults(undefined);

  const finished = await followEvents(service!.url, "steady", id);
  expect(finished.deployment.status, finished.lines.join("\n")).toBe("succeeded");
  expect(await servedBody(emulator.origin, "tenants", "steady", "/index.html")).toBe("<h1>steady</h1>");
  expect((await call(service!.url, "GET", "/tenants/steady")).json).toMatchObject({ status: "live", live: { deploymentId: id } });
  expect(isAlive(service!.pid)).toBe(true);
});
