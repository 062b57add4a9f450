/**
 * Three replicas of the service on one Postgres, which holds the Pulumi state too, as a platform runs them (README
 * "Running the platform service in production"), judged by what the emulator serves:
 * - 20 tenants upload 3 versions each, every upload to another replica than the last: each tenant ends with its
 *   last upload live, and no two operations of one tenant ever ran at the same time: not in the records (start
 *   and finish times, written by whichever replica ran them), and not at Cloudflare (the emulator's request log:
 *   each deploy's calls on the tenant's script, from its upload session to its script PUT, never interleave);
 * - a replica killed with SIGKILL in the middle of a deploy: another replica finishes it, no person involved.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { emulatorAdmin, servedBody } from "../fixtures/emulator.mjs";
import { isAlive } from "../fixtures/process-tree.mjs";
import { siteArchive } from "./archives.js";
import { startTestPostgres, type TestPostgres } from "./postgres.js";
import { acceptedSchema, followEvents, putSite } from "./service-client.js";
import { serviceEnv } from "./service-env.js";
import { startService, type RunningService } from "./service-process.js";

const TOKEN = "platform-replicas-token-5d20a7";
const TENANTS = Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, "0")}`);
const VERSIONS = 3;

let emulator: RunningEmulator;
let postgres: TestPostgres;
let databaseUrl: string;
const replicas: RunningService[] = [];
/** The emulator's request log (its `log` option: one line per answered request), with the time each line came. */
const requestLog: Array<{ at: number; line: string }> = [];
const dataDirs: string[] = [];

/** Each replica has its own data directory; all share the database, and with it the Pulumi state (no PULUMI_BACKEND_URL). */
function replicaEnv(index: number): Promise<Record<string, string | undefined>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `platform-replica-${index}-`));
  dataDirs.push(dataDir);
  return serviceEnv({
    dataDir,
    emulator: { url: emulator.url, token: TOKEN },
    databaseUrl,
    // The lease: short, so the kill test's take-over comes within seconds, yet long enough for a replica starved
    // of CPU on a loaded 2-core machine (load 20-30 seen: with 4 s all three took each other's leases and exited,
    // with 10 s one did; the inline program's serialization of the provider blocks a replica's event loop).
    extra: { PLATFORM_MAX_CONCURRENT_DEPLOYS: "2", PLATFORM_LEASE_SECONDS: "20" },
  });
}

/** A deploy as the emulator saw it: from its upload-session request's start to its script PUT's end. */
interface LoggedOperation {
  tenant: string;
  start: number;
  end: number;
}

/**
 * Each tenant's deploys from the request log. A line reads `<METHOD> <url> -> <status> <ms>ms` and is written when
 * the answer is sent, so a request spans [arrival of the line - ms, arrival]. A deploy opens one upload session on
 * the tenant's script and ends with one PUT of it; `interleaved` lists every session that began while the
 * tenant's previous deploy had not yet PUT its script.
 */
function operationsFromLog(namespace: string): { operations: LoggedOperation[]; interleaved: string[] } {
  const scriptRoute = new RegExp(`^/client/v4/accounts/[^/]+/workers/dispatch/namespaces/${namespace}/scripts/([^/?]+)(/assets-upload-session)?(?:\\?.*)?$`);
  const calls: Array<{ tenant: string; kind: "session" | "put"; start: number; end: number }> = [];
  for (const { at, line } of requestLog) {
    const match = /^(\w+) (\S+) -> (\d+) (\d+)ms$/.exec(line);
    const route = match ? scriptRoute.exec(match[2]!) : null;
    if (!match || !route || Number(match[3]) >= 300) continue;
    const kind = match[1] === "POST" && route[2] ? "session" : match[1] === "PUT" && !route[2] ? "put" : undefined;
    if (kind) calls.push({ tenant: route[1]!, kind, start: at - Number(match[4]), end: at });
  }
  calls.sort((a, b) => a.start - b.start);
  const operations: LoggedOperation[] = [];
  const interleaved: string[] = [];
  const open = new Map<string, LoggedOperation>();
  for (const call of calls) {
    const current = open.get(call.tenant);
    if (call.kind === "session") {
      if (current) interleaved.push(`${call.tenant}: an upload session began at ${call.start} while the deploy begun at ${current.start} had not PUT its script`);
      open.set(call.tenant, { tenant: call.tenant, start: call.start, end: Number.POSITIVE_INFINITY });
    } else if (current) {
      current.end = call.end;
      operations.push(current);
      open.delete(call.tenant);
    }
  }
  return { operations, interleaved };
}

const page = (tenant: string, version: number) => ({ "index.html": `<h1>${tenant} v${version}</h1>` });

async function upload(replica: RunningService, tenant: string, version: number): Promise<string> {
  const answer = await putSite(replica.url, tenant, siteArchive("tar.gz", page(tenant, version)), "?htmlHandling=none");
  expect(answer.status, answer.text).toBe(202);
  return acceptedSchema.parse(answer.json).deployment.id;
}

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [TOKEN], log: (line) => requestLog.push({ at: Date.now(), line }) });
  await emulatorAdmin({ url: emulator.url, token: TOKEN }).createNamespace("tenants");
  postgres = await startTestPostgres();
  databaseUrl = await postgres.database();
  for (let i = 0; i < 3; i++) replicas.push(await startService(await replicaEnv(i)));
}, 45 * 60_000);

afterAll(async () => {
  for (const replica of replicas) {
    const code = isAlive(replica.pid) ? await replica.stop() : await replica.exited;
    // A replica that ended otherwise than by its SIGTERM (or the test's SIGKILL): its last words, for the failure.
    if (code !== 0 && code !== null) console.error(`a replica exited with ${code}:\n${replica.output().slice(-4000)}`);
  }
  await emulator?.close();
  await postgres?.stop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}, 300_000);

describe("three replicas on one Postgres", { timeout: 900_000 }, () => {
  it("60 uploads round-robin over the replicas: every tenant ends with its last upload live, its operations never overlap", async () => {
    const last = new Map<string, string>();
    // Each tenant sends its versions in order (each to the next replica), ten tenants at a time.
    for (let start = 0; start < TENANTS.length; start += 10) {
      await Promise.all(
        TENANTS.slice(start, start + 10).map(async (tenant, i) => {
          for (let version = 1; version <= VERSIONS; version++) last.set(tenant, await upload(replicas[(start + i + version) % 3]!, tenant, version));
        }),
      );
    }
    for (const [tenant, id] of last) {
      const finished = await followEvents(replicas[0]!.url, tenant, id);
      expect(finished.deployment.status, `${tenant}: ${finished.lines.join("\n")}`).toBe("succeeded");
      expect(await servedBody(emulator.origin, "tenants", tenant, "/index.html")).toBe(`<h1>${tenant} v${VERSIONS}</h1>`);
    }

    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ tenant: string; id: string; runner: string; status: string; started_at: Date; finished_at: Date; attempts: number }>(
        "select tenant, id, runner, status, started_at, finished_at, attempts from platform_deployments where started_at is not null order by tenant, started_at",
      );
      /** A tenant's deployments with their events, for a failure's message. */
      const story = async (tenant: string): Promise<string> => {
        const { rows: events } = await client.query<{ deployment_id: string; seq: number; time: Date; message: string }>(
          "select e.deployment_id, e.seq, e.time, e.message from platform_events e join platform_deployments d on d.id = e.deployment_id where d.tenant = $1 order by e.time, e.seq",
          [tenant],
        );
        const records = rows.filter((row) => row.tenant === tenant).map((row) => `${row.id} ${row.status} on ${row.runner} ${row.started_at.toISOString()}..${row.finished_at?.toISOString()}`);
        const calls = requestLog.filter(({ line }) => line.includes(`/scripts/${tenant}`)).map(({ at, line }) => `${new Date(at).toISOString()} emulator: ${line}`);
        return [...records, ...events.map((event) => `${event.time.toISOString()} ${event.deployment_id}#${event.seq} ${event.message}`), ...calls].join("\n");
      };
      const overlaps: string[] = [];
      for (let i = 1; i < rows.length; i++) {
        const [before, after] = [rows[i - 1]!, rows[i]!];
        if (before.tenant === after.tenant && after.started_at < before.finished_at) overlaps.push(`${after.tenant}: ${after.id} started before ${before.id} finished`);
      }
      expect(overlaps).toEqual([]);
      // Every upload either ran to success or was superseded while it waited: none failed.
      const unsettled = rows.filter((row) => row.status !== "succeeded");
      if (unsettled.length > 0) expect.fail(`deployments that did not succeed:\n${(await Promise.all([...new Set(unsettled.map((row) => row.tenant))].map(story))).join("\n\n")}`);
      const { rows: states } = await client.query<{ status: string; count: string }>("select status, count(*) from platform_deployments group by status");
      const counts = Object.fromEntries(states.map((row) => [row.status, Number(row.count)]));
      expect((counts.succeeded ?? 0) + (counts.superseded ?? 0)).toBe(TENANTS.length * VERSIONS);
      // Each ran once (no crash here), and the work was spread over the replicas.
      expect(rows.filter((row) => row.attempts !== 1)).toEqual([]);
      expect(new Set(rows.map((row) => row.runner)).size).toBe(3);

      // What Cloudflare saw: per tenant, one deploy at a time, and as many deploys as the records say ran.
      const logged = operationsFromLog("tenants");
      expect(logged.interleaved).toEqual([]);
      for (const tenant of TENANTS) {
        const mine = logged.operations.filter((operation) => operation.tenant === tenant).sort((a, b) => a.start - b.start);
        for (let i = 1; i < mine.length; i++) expect(mine[i]!.start, `${tenant}: deploy ${i + 1} began before deploy ${i} ended`).toBeGreaterThanOrEqual(mine[i - 1]!.end);
        const ran = rows.filter((row) => row.tenant === tenant).length;
        if (mine.length !== ran) expect.fail(`${tenant}: ${mine.length} deploys at Cloudflare, ${ran} in the records:\n${await story(tenant)}`);
      }
    } finally {
      await client.end();
    }
  });

  it("a replica killed in the middle of a deploy: another one finishes it", async () => {
    emulator.setFaults("upload=latency:6000*1");
    const [victim, survivor] = [replicas[1]!, replicas[2]!];
    // Any replica may pick the job up; the one that runs it is killed while it uploads.
    const id = await upload(victim, "crashy", 1);
    const stream = await fetch(`${survivor.url}/tenants/crashy/deployments/${id}/events`);
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    while (!/tenants\/crashy: 1 new of 1 file/.test(seen)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the deploy ended before it uploaded:\n${seen}`);
      seen += decoder.decode(value, { stream: true });
    }
    await reader.cancel().catch(() => {});
    // Kill the replica that runs it (its id is in the record, and each replica prints its own at start).
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ runner: string }>("select runner from platform_deployments where id = $1", [id]);
    await client.end();
    const running = replicas.find((replica) => replica.output().includes(rows[0]!.runner));
    expect(running).toBeDefined();
    running!.crash();
    await running!.exited;
    emulator.setFaults(undefined);

    const alive = replicas.find((replica) => replica !== running)!;
    const finished = await followEvents(alive.url, "crashy", id);
    expect(finished.deployment.status, finished.lines.join("\n")).toBe("succeeded");
    expect(finished.lines).toContainEqual(expect.stringMatching(/^resuming: replica-\w+ stopped during this deploy/));
    expect(await servedBody(emulator.origin, "tenants", "crashy", "/index.html")).toBe("<h1>crashy v1</h1>");
  });
});
