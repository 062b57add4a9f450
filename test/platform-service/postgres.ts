/**
 * A real Postgres for the platform service's tests: the service's own embedded server (db/embedded-postgres.ts)
 * in a temporary folder, one per test file, with a fresh database per service instance (`database()`), so
 * tests never share rows. Never a mock: the queue, the records and LISTEN/NOTIFY run as in production.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { startLocalPostgres, type LocalPostgres } from "../../packages/platform-service/src/db/embedded-postgres.ts";

export interface TestPostgres {
  /** A new, empty database; its URL. */
  database(): Promise<string>;
  /** The server's own URL (the `postgres` database). */
  url: string;
  /** Stops the server and starts it again on the same folder and port (clients must reconnect). */
  restart(options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), "platform-pg-"));
  const password = randomBytes(12).toString("hex");
  let local: LocalPostgres = await startLocalPostgres(path.join(dir, "postgres"), password, () => {});
  const port = Number(new URL(local.url).port);
  let count = 0;
  return {
    url: local.url,
    restart: async ({ downMs = 0 } = {}) => {
      await local.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      local = await startLocalPostgres(path.join(dir, "postgres"), password, () => {}, port);
    },
    database: async () => {
      const name = `test_${process.pid}_${++count}`;
      const admin = new pg.Client({ connectionString: local.url });
      await admin.connect();
      try {
        await admin.query(`create database ${name}`);
      } finally {
        await admin.end();
      }
      const url = new URL(local.url);
      url.pathname = `/${name}`;
      return url.toString();
    },
    stop: async () => {
      await local.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
