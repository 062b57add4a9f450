/**
 * openPool (packages/platform-service/src/db/pool.ts): a connection the server ends while it sits idle in the
 * pool must be a logged event, never an uncaught `error` that takes the replica down; the next query reconnects.
 * Against a real Postgres: the server itself terminates the backend, as a restart or failover would.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPool, releaseClient } from "../../../packages/platform-service/src/db/pool.ts";
import { startTestPostgres, type TestPostgres } from "../postgres.js";

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startTestPostgres();
}, 120_000);
afterAll(async () => {
  await postgres?.stop();
});

async function terminateOthers(url: string): Promise<number> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const result = await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and datname = current_database()");
    return result.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

describe("openPool", () => {
  it("logs an idle connection the server terminates, and the next query reconnects", async () => {
    const url = await postgres.database();
    const lines: string[] = [];
    const pool = openPool(url, { log: (line) => lines.push(line) });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      // Two idle connections in the pool.
      await Promise.all([pool.query("select pg_sleep(0.05)"), pool.query("select pg_sleep(0.05)")]);
      expect(pool.idleCount).toBe(2);
      expect(await terminateOthers(url)).toBe(2);
      // Both goodbyes reported (each drops its client from the pool): on a loaded machine the second may come
      // after the first by more than the next query takes to pick that client up.
      await expect.poll(() => lines.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
      expect(lines[0]).toMatch(/^database: terminating connection due to administrator command/);
      // The pool drops a client when its error arrives, which may come a moment after the goodbye line.
      await expect.poll(() => pool.idleCount, { timeout: 5_000 }).toBe(0);
      expect((await pool.query("select 1 as one")).rows).toEqual([{ one: 1 }]);
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
      await pool.end();
    }
  });

  it("a released client keeps a listener: the server's goodbye after release is not an uncaught error", async () => {
    const url = await postgres.database();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await releaseClient(client);
    expect(client.listenerCount("error")).toBe(1);
    client.emit("error", new Error("late goodbye"));
  });
});
