/**
 * openQueuePool (packages/platform-service/src/db/queue-pool.ts): while the database restarts, the job runner's
 * queries wait for it and then run, instead of failing (graphile-worker does not await the query that settles a
 * finished job). Against a real Postgres, stopped and started again.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { openQueuePool } from "../../../packages/platform-service/src/db/queue-pool.ts";
import { startTestPostgres, type TestPostgres } from "../postgres.js";

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startTestPostgres();
}, 120_000);
afterAll(async () => {
  await postgres?.stop();
});

it("a query sent while the database is down runs once it is back; the outage is logged once and its end too", { timeout: 120_000 }, async () => {
  const lines: string[] = [];
  const pool = openQueuePool(await postgres.database(), { max: 2, log: (line) => lines.push(line) });
  try {
    expect((await pool.query("select 1 as one")).rows).toEqual([{ one: 1 }]);
    const restarted = postgres.restart({ downMs: 1500 });
    // Sent once the server is stopping or stopped: both forms of connect (pg-pool's `query` uses the callback one).
    await expect.poll(() => pool.idleCount, { timeout: 10_000 }).toBe(0);
    const queried = pool.query<{ two: number }>("select 2 as two");
    const connected = pool.connect();
    await restarted;
    expect((await queried).rows).toEqual([{ two: 2 }]);
    const client = await connected;
    expect((await client.query("select 3 as three")).rows).toEqual([{ three: 3 }]);
    client.release();
    expect(lines.filter((line) => line.startsWith("job runner: the database is away"))).toHaveLength(1);
    expect(lines).toContain("job runner: the database is back");
  } finally {
    await pool.end();
  }
});

it("gives up after its patience, with the connection error", { timeout: 60_000 }, async () => {
  const url = new URL(await postgres.database());
  // A port nothing listens on: refused at once, every time.
  url.port = "1";
  const pool = openQueuePool(url.toString(), { max: 1, log: () => {}, patienceMs: 500 });
  try {
    const started = Date.now();
    await expect(pool.query("select 1")).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  } finally {
    await pool.end();
  }
});
