/**
 * What the service promises around its database (README "Failure behaviour"), with the database outside the
 * service as in production (DATABASE_URL), judged by what the emulator serves:
 * - SIGKILL while an upload is being received: nothing is half-stored (no record, no job, no tenant), the client
 *   sees its connection fail, and sending it again works;
 * - the database restarts while a deploy runs: the service reconnects, the deploy ends live, nothing is lost, the
 *   process still serves — with the Pulumi state in a file backend, and in the same database (the DATABASE_URL
 *   default, pulumi-backend.ts), where the restart makes the running `pulumi up` fail to write its state: the job
 *   runs again once the database is back, releasing the lock the failed run left (operations.ts, stacks.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
/** The emulator's request log (one line per answered request): shows when a deploy has reached its upload. */
const requestLog: string[] = [];
let postgres: TestPostgres;
let databaseUrl: string;
const dataDirs: string[] = [];
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

/** A service of its own (own database, own data folder) with the Pulumi state in `backend`. */
async function serviceOn(backend: "file" | "postgres"): Promise<{ env: Record<string, string | undefined>; dataDir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), `platform-durable-${backend}-`));
  dataDirs.push(dir);
  databaseUrl = await postgres.database();
  return {
    dataDir: dir,
    env: await serviceEnv({
      dataDir: dir,
      emulator: { url: emulator.url, token: TOKEN },
      databaseUrl,
      // No PULUMI_BACKEND_URL: the DATABASE_URL default, the state in the same database (pulumi-backend.ts).
      extra: { PLATFORM_LEASE_SECONDS: "3", ...(backend === "file" ? { PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}` } : {}) },
    }),
  };
}

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [TOKEN], log: (line) => requestLog.push(line) });
  await emulatorAdmin({ url: emulator.url, token: TOKEN }).createNamespace("tenants");
  postgres = await startTestPostgres();
}, 45 * 60_000);

afterAll(async () => {
  if (service && isAlive(service.pid)) await service.stop();
  await emulator?.close();
  await postgres?.stop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}, 120_000);

it("SIGKILL while an upload is received: nothing half-stored, the client's connection fails, a retry works", { timeout: 300_000 }, async () => {
  // Random bytes do not compress: the archive is larger than the part sent before the kill.
  const archive = siteArchive("tar.gz", { "index.html": "<h1>half</h1>", "big.bin": randomBytes(64 * 1024) });
  expect(archive.length).toBeGreaterThan(60_000);
  const { env } = await serviceOn("postgres");
  service = await startService(env);
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

/** What the service printed, for a failure's message. */
function printed(): string {
  return `\n--- service output ---\n${service?.output() ?? ""}`;
}

/**
 * When the database restarts, relative to the deploy:
 * - `starting`: as soon as the job runs, for 2 s — the job's first queries fail, or `pulumi stack init` / `up`
 *   starting then cannot open a Postgres state backend ("unable to open state database … failed to ping
 *   PostgreSQL"), which is what ended the deploy, and then the replica, before the fix (issue 18);
 * - `mid-update`: once the provider has opened its upload session (the update's lock taken, its create pending),
 *   with the upload held 1.5 s and the database down 4 s, so the upload ends while it is down: the run's state
 *   writes (which the CLI retries) and the service's records of its progress meet the outage, and the job must
 *   run again, releasing the run's lock.
 */
const MOMENTS = {
  starting: { uploadHeldMs: 0, downMs: 2000 },
  "mid-update": { uploadHeldMs: 1500, downMs: 4000 },
} as const;
type Moment = keyof typeof MOMENTS;

/** Waits for `moment` of deployment `id` of `tenant`. */
async function reach(moment: Moment, tenant: string, id: string): Promise<void> {
  if (moment === "starting") {
    await expect.poll(() => count("select count(*) as n from platform_deployments where id = $1 and status = 'running'", [id]), { timeout: 120_000, interval: 20 }).toBe(1);
  } else {
    const session = new RegExp(`/scripts/${tenant}/assets-upload-session`);
    await expect.poll(() => requestLog.some((line) => session.test(line)), { timeout: 120_000, interval: 50 }).toBe(true);
  }
}

describe.each(["file", "postgres"] as const)("the Pulumi state in a %s backend", (backend) => {
  beforeAll(async () => {
    if (service && isAlive(service.pid)) await service.stop();
    service = await startService((await serviceOn(backend)).env);
  }, 180_000);

  it.each(Object.keys(MOMENTS) as Moment[])(
    "the database restarts while a deploy runs (%s): the service reconnects, the deploy ends live, the process still serves",
    { timeout: 300_000 },
    async (moment) => {
      const { uploadHeldMs, downMs } = MOMENTS[moment];
      const running = service!;
      const tenant = `steady-${backend}-${moment}`;
      if (uploadHeldMs > 0) emulator.setFaults(`upload=latency:${uploadHeldMs}*1`);
      const accepted = await putSite(running.url, tenant, siteArchive("tar.gz", { "index.html": `<h1>${tenant}</h1>` }), "?htmlHandling=none");
      expect(accepted.status, accepted.text).toBe(202);
      const id = acceptedSchema.parse(accepted.json).deployment.id;
      await reach(moment, tenant, id);
      await postgres.restart({ downMs });
      emulator.setFaults(undefined);

      const finished = await followEvents(running.url, tenant, id).catch((error: unknown) => {
        throw new Error(`${String(error)}${printed()}`);
      });
      const events = `${finished.lines.join("\n")}${printed()}`;
      expect(finished.deployment.status, events).toBe("succeeded");
      // Mid-update it did lose the database on the way, and ran again (not a deploy that happened to miss the restart).
      if (moment === "mid-update") expect(finished.lines.some((line) => line.startsWith("resuming: the previous attempt of this deploy lost the database")), events).toBe(true);
      expect(await servedBody(emulator.origin, "tenants", tenant, "/index.html")).toBe(`<h1>${tenant}</h1>`);
      expect((await call(running.url, "GET", `/tenants/${tenant}`)).json).toMatchObject({ status: "live", live: { deploymentId: id } });
      expect(isAlive(running.pid), printed()).toBe(true);
      // And it still takes work: a second upload goes live.
      const again = await putSite(running.url, tenant, siteArchive("tar.gz", { "index.html": `<h1>${tenant} again</h1>` }), "?htmlHandling=none");
      expect(again.status, again.text).toBe(202);
      const second = await followEvents(running.url, tenant, acceptedSchema.parse(again.json).deployment.id);
      expect(second.deployment.status, `${second.lines.join("\n")}${printed()}`).toBe("succeeded");
      expect(await servedBody(emulator.origin, "tenants", tenant, "/index.html")).toBe(`<h1>${tenant} again</h1>`);
    },
  );
});
