/**
 * The service's connection pool. A connection the server ends (a restart, a failover, a fast shutdown's
 * "terminating connection due to administrator command") is reported as an `error` event on the pool or on the
 * client; an EventEmitter `error` with no listener throws, and would take the whole replica down. So every pool
 * and every client it opens gets a listener that logs: the next query opens a new connection.
 */
import pg from "pg";

export function openPool(connectionString: string, options: { max?: number; log: (line: string) => void }): pg.Pool {
  const pool = new pg.Pool({ connectionString, ...(options.max === undefined ? {} : { max: options.max }) });
  const report = (error: Error): void => options.log(`database: ${error.message}`);
  pool.on("error", report);
  pool.on("connect", (client) => client.on("error", report));
  return pool;
}

/** A client that is let go keeps a listener: its socket may still report the server's goodbye. */
export function releaseClient(client: pg.Client): Promise<void> {
  client.removeAllListeners();
  client.on("error", () => {});
  return client.end().catch(() => {});
}
