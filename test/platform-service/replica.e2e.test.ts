/**
 * Two replicas as on two machines (README "Running the platform service in production"): one Postgres through
 * DATABASE_URL, no PULUMI_BACKEND_URL, a data directory each. Judged by what the emulator serves and logs:
 * - the Pulumi state is in the database (the CLI's postgres:// backend): a tenant deployed by one replica is
 *   updated by the other — an update of the worker, not a second creation — and no replica keeps a file state;
 * - SIGTERM in the middle of a deploy: the deploy finishes on that replica, the process exits 0;
 * - a replica frozen (SIGSTOP) past its lease while its deploy uploads, a newer upload waiting: the other replica
 *   clears the frozen run's lock and deploys the newer upload (no `stack-locked`); when the frozen one runs again,
 *   it kills its own Pulumi CLI and provider before it exits, so the upload it had started never reaches its
 *   script PUT, and the site stays the last upload.
 */
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { emulatorAdmin, servedBody } from "../fixtures/emulator.mjs";
import { commandLine, descendantPids, isAlive } from "../fixtures/process-tree.mjs";
import { siteArchive } from "./archives.js";
import { startTestPostgres, type TestPostgres } from "./postgres.js";
import { acceptedSchema, followEvents, putSite } from "./service-client.js";
import { serviceEnv } from "./service-env.js";
import { startService, type RunningService } from "./service-process.js";

const TOKEN = "platform-replica-token-4e81c2";
/** Long enough for a replica starved of CPU on a loaded 2-core machine (replicas.e2e.test.ts), short for the test. */
const LEASE_SECONDS = 10;
/** The frozen replica's upload is held this long: past the take-over, so its script PUT would come after it. */
const HELD_UPLOAD_MS = 90_000;

let emulator: RunningEmulator;
let postgres: TestPostgres;
let databaseUrl: string;
const dataDirs: string[] = [];
const envs: Array<Record<string, string | undefined>> = [];
const replicas: RunningService[] = [];
/** The emulator's request log, with the time each line came (a line is written when the answer is sent). */
const requestLog: Array<{ at: number; line: string }> = [];

const page = (tenant: string, version: number) => ({ "index.html": `<h1>${tenant} v${version}</h1>` });

async function upload(replica: RunningService, tenant: string, version: number): Promise<string> {
  const answer = await putSite(replica.url, tenant, siteArchive("tar.gz", page(tenant, version)), "?htmlHandling=none");
  expect(answer.status, answer.text).toBe(202);
  return acceptedSchema.parse(answer.json).deployment.id;
}

async function query<Row extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Waits until the deployment runs; returns the replica that runs it (each prints its id at start). */
async function runnerOf(id: string): Promise<RunningService> {
  for (let i = 0; i < 600; i++) {
    const [row] = await query<{ runner: string | null; status: string }>("select runner, status from platform_deployments where id = $1", [id]);
    if (row?.status === "running" && row.runner) {
      const replica = replicas.find((candidate) => isAlive(candidate.pid) && candidate.output().includes(row.runner!));
      if (replica) return replica;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`deployment ${id} did not start`);
}

/** Requests on the tenant's script routes (session, upload, script PUT), as `METHOD route-kind` with their start. */
function scriptCalls(tenant: string): Array<{ kind: "session" | "upload" | "put"; start: number; status: number }> {
  const calls: Array<{ kind: "session" | "upload" | "put"; start: number; status: number }> = [];
  for (const { at, line } of requestLog) {
    const match = /^(\w+) (\S+) -> (\d+) (\d+)ms$/.exec(line);
    if (!match) continue;
    const [, method, url, status, ms] = match;
    const start = at - Number(ms);
    if (method === "POST" && url!.includes(`/scripts/${tenant}/assets-upload-session`)) calls.push({ kind: "session", start, status: Number(status) });
    else if (method === "PUT" && new RegExp(`/scripts/${tenant}(\\?|$)`).test(url!)) calls.push({ kind: "put", start, status: Number(status) });
    else if (url!.includes("/assets/upload")) calls.push({ kind: "upload", start, status: Number(status) });
  }
  return calls;
}

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [TOKEN], log: (line) => requestLog.push({ at: Date.now(), line }) });
  await emulatorAdmin({ url: emulator.url, token: TOKEN }).createNamespace("tenants");
  postgres = await startTestPostgres();
  databaseUrl = await postgres.database();
  for (let i = 0; i < 2; i++) {
    const dataDir = mkdtempSync(path.join(tmpdir(), `platform-replica-own-${i}-`));
    dataDirs.push(dataDir);
    // No PULUMI_BACKEND_URL (serviceEnv removes it): DATABASE_URL alone decides where the state goes.
    envs.push(await serviceEnv({ dataDir, emulator: { url: emulator.url, token: TOKEN }, databaseUrl, extra: { PLATFORM_LEASE_SECONDS: String(LEASE_SECONDS) } }));
    replicas.push(await startService(envs[i]!));
  }
}, 45 * 60_000);

afterAll(async () => {
  for (const replica of replicas) {
    if (isAlive(replica.pid)) process.kill(replica.pid, "SIGCONT");
    const code = isAlive(replica.pid) ? await replica.stop() : await replica.exited;
    if (code !== 0 && code !== 3 && code !== null) console.error(`a replica exited with ${code}:\n${replica.output().slice(-4000)}`);
  }
  await emulator?.close();
  await postgres?.stop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}, 300_000);

/** On a failure: what the replicas said (their ids, the take-over, the fence). */
function printReplicasOnFailure(): void {
  onTestFailed(() => {
    for (const replica of replicas) console.error(`replica ${replica.pid} (alive: ${isAlive(replica.pid)}):\n${replica.output().slice(-6000)}`);
    console.error(`emulator requests:\n${requestLog.slice(-60).map(({ at, line }) => `${at} ${line}`).join("\n")}`);
  });
}

describe("two replicas, one DATABASE_URL, a data directory each", { timeout: 300_000 }, () => {
  it("SIGTERM mid-deploy finishes the deploy; the other replica updates that tenant from the state in the database", async () => {
    printReplicasOnFailure();
    emulator.setFaults("upload=latency:4000*1");
    const first = await upload(replicas[0]!, "shared", 1);
    const stopping = await runnerOf(first);
    const code = await stopping.stop();
    emulator.setFaults(undefined);
    expect(code, stopping.output().slice(-3000)).toBe(0);
    const [record] = await query<{ status: string; attempts: number }>("select status, attempts from platform_deployments where id = $1", [first]);
    expect(record).toEqual({ status: "succeeded", attempts: 1 });
    expect(await servedBody(emulator.origin, "tenants", "shared", "/index.html")).toBe("<h1>shared v1</h1>");

    const other = replicas.find((replica) => replica !== stopping)!;
    const second = await upload(other, "shared", 2);
    const finished = await followEvents(other.url, "shared", second);
    expect(finished.deployment.status, finished.lines.join("\n")).toBe("succeeded");
    // The other replica found the stack the first one made: it updates the worker.
    expect(finished.lines).toContainEqual(expect.stringMatching(/^site: updating the worker/));
    expect(finished.lines).not.toContainEqual(expect.stringMatching(/creating the worker/));
    expect(await servedBody(emulator.origin, "tenants", "shared", "/index.html")).toBe("<h1>shared v2</h1>");
    const [runners] = await query<{ n: string }>("select count(distinct runner) as n from platform_deployments where tenant = 'shared'");
    expect(Number(runners!.n)).toBe(2);

    // The state is the CLI's Postgres backend's table in the same database; no replica has a file state.
    const keys = (await query<{ key: string }>("select key from pulumi_state")).map((row) => row.key);
    expect(keys).toContainEqual(expect.stringMatching(/stacks\/wfp-tenants\/shared\.json/));
    for (const dir of dataDirs) expect(existsSync(path.join(dir, "state")), dir).toBe(false);

    replicas[replicas.indexOf(stopping)] = await startService(envs[replicas.indexOf(stopping)]!);
  });

  it("a replica frozen past its lease mid-upload: the other deploys the last upload; the frozen one kills its Pulumi runs on waking", async () => {
    printReplicasOnFailure();
    emulator.setFaults(`upload=latency:${HELD_UPLOAD_MS}*1`);
    const first = await upload(replicas[0]!, "frozen", 1);
    const frozen = await runnerOf(first);
    const other = replicas.find((replica) => replica !== frozen)!;
    // Its provider is in the held upload: the session is open, the upload sent.
    for (let i = 0; i < 600 && !scriptCalls("frozen").some((call) => call.kind === "session"); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    process.kill(frozen.pid, "SIGSTOP");
    const frozenAt = Date.now();
    const tree = descendantPids(frozen.pid).map((pid) => ({ pid, command: commandLine(pid) }));
    expect(tree.map((entry) => entry.command)).toContainEqual(expect.stringMatching(/bin\/pulumi/));

    const second = await upload(other, "frozen", 2);
    // Once the frozen one's lease expired, the other replica runs the newest upload: graphile-worker does not run
    // again a job whose key the newer upload took, so that one supersedes the interrupted deploy and clears its lock.
    const latest = await followEvents(other.url, "frozen", second);
    expect(latest.deployment.status, latest.lines.join("\n")).toBe("succeeded");
    expect(latest.lines).toContainEqual(expect.stringMatching(new RegExp(`^resuming: replica-\\w+ stopped during ${first}, which this deploy supersedes`)));
    expect(latest.lines).toContainEqual("lock released (pulumi cancel)");
    const interrupted = await followEvents(other.url, "frozen", first);
    expect(interrupted.deployment).toMatchObject({ status: "superseded", supersededBy: second });
    expect(await servedBody(emulator.origin, "tenants", "frozen", "/index.html")).toBe("<h1>frozen v2</h1>");
    // The frozen replica's provider still waits for its upload's answer: its script PUT would come after that.
    expect(Date.now() - frozenAt).toBeLessThan(HELD_UPLOAD_MS - 10_000);
    expect(tree.filter((entry) => isAlive(entry.pid)).length).toBeGreaterThan(0);

    process.kill(frozen.pid, "SIGCONT");
    expect(await frozen.exited).toBe(3);
    expect(tree.filter((entry) => isAlive(entry.pid))).toEqual([]);

    // Past the moment the held upload is answered: had the frozen replica's provider lived, it would PUT v1 now.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, frozenAt + HELD_UPLOAD_MS + 5000 - Date.now())));
    expect(await servedBody(emulator.origin, "tenants", "frozen", "/index.html")).toBe("<h1>frozen v2</h1>");
    // One script PUT, the newest upload's; none from the frozen replica.
    expect(scriptCalls("frozen").filter((call) => call.kind === "put" && call.status < 300)).toHaveLength(1);
    // And the stack is in order for the next deploy, on either replica.
    const third = await upload(other, "frozen", 3);
    const after = await followEvents(other.url, "frozen", third);
    expect(after.deployment.status, after.lines.join("\n")).toBe("succeeded");
    expect(await servedBody(emulator.origin, "tenants", "frozen", "/index.html")).toBe("<h1>frozen v3</h1>");
    expect(frozen.output()).toMatch(/lease lost: killed this replica's Pulumi runs \(\d+ processes/);
  });
});
