/**
 * The job runner's connection pool: a pool (pool.ts) whose `connect` waits out a database outage, bounded.
 *
 * graphile-worker 0.18 settles a finished job with a query it does not await (worker.js: `completeJob(job)` /
 * `failJob(...)`), retrying only a few error codes, not a refused connection. So a job that ends while the database
 * restarts — a deploy whose CLI just lost its state backend, say — left a rejected promise nobody handled, and Node
 * ended the whole replica (seen in test/platform-service/durability.e2e.test.ts: "Error: connect ECONNREFUSED … at
 * batchFailJobs"). Through this pool the runner's queries wait for the database instead, and run once it is back.
 * A connection is tried (`select 1`) before it is handed out, so a query does not take one the server has just
 * ended. The requests' and jobs' own queries keep the fail-fast pool: an upload during an outage is answered at once.
 */
import pg from "pg";
import { isConnectionFailure } from "./connection-errors.ts";
import { openPool } from "./pool.ts";

/** How long a connect waits for the database before the outage is the replica's end (README "Failure behaviour"). */
export const QUEUE_PATIENCE_MS = 10 * 60_000;

type ConnectCallback = (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void;

export interface QueuePoolOptions {
  max: number;
  log: (line: string) => void;
  /** QUEUE_PATIENCE_MS unless a test says otherwise. */
  patienceMs?: number;
}

/**
 * Resolves once the database answers a query through `pool`, a pool of openQueuePool: its connect already waits out
 * an outage (up to its patience) and tries each connection with `select 1`, so one connect is the whole wait. The
 * job runner calls it before it hands a failed job back to graphile-worker: a job that failed because the database
 * went away fails just as the server ends its connections, and the query recording that failure would otherwise
 * take one of those doomed idle connections before the pool has noticed.
 */
export async function databaseAnswers(pool: pg.Pool): Promise<void> {
  (await pool.connect()).release();
}

/** Delays between connection attempts: quick at first (a restart takes a second or two), then every 2 s. */
function retryDelay(attempt: number): number {
  return Math.min(2000, 100 * 2 ** attempt);
}

export function openQueuePool(connectionString: string, options: QueuePoolOptions): pg.Pool {
  const pool = openPool(connectionString, { max: options.max, log: options.log });
  const patienceMs = options.patienceMs ?? QUEUE_PATIENCE_MS;
  const connectOnce = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  // One line when the outage starts and one when it ends, however many connects wait meanwhile.
  let away = false;
  const connectPatiently = async (): Promise<pg.PoolClient> => {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const client = await connectOnce();
        // An idle connection the server has just ended may still sit in the pool (its goodbye not read yet): try it
        // first, so the query it was taken for does not meet the outage instead.
        await client.query("select 1").catch((error: unknown) => {
          client.release(error instanceof Error ? error : true);
          throw error;
        });
        if (away) options.log("job runner: the database is back");
        away = false;
        return client;
      } catch (error) {
        if (pool.ending || !isConnectionFailure(error) || Date.now() - started >= patienceMs) throw error;
        if (!away) options.log(`job runner: the database is away (${(error as Error).message}); its queries wait for it, up to ${patienceMs / 1000} s`);
        away = true;
        await new Promise((resolve) => setTimeout(resolve, retryDelay(attempt)));
      }
    }
  };
  // Both forms: graphile-worker and pg-pool's own `query` use the callback one.
  function connect(): Promise<pg.PoolClient>;
  function connect(callback: ConnectCallback): void;
  function connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const connected = connectPatiently();
    if (callback === undefined) return connected;
    connected.then(
      (client) => callback(undefined, client, (release) => client.release(release as boolean | Error | undefined)),
      (error: Error) => callback(error, undefined, () => {}),
    );
  }
  pool.connect = connect;
  return pool;
}
