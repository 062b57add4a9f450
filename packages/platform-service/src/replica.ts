/**
 * One replica's share of the work: it runs graphile-worker's job loop (queue.ts) with this replica's
 * concurrency, holds a lease in `platform_replicas` (a heartbeat), and takes over from replicas that died:
 *
 * - every `leaseMs / 6` the heartbeat renews the lease; a replica that finds its own lease gone (it was
 *   stopped so long that others took over its jobs) kills its Pulumi runs and exits at once rather than run
 *   beside them (onLeaseLost, main.ts; pulumi-runs.ts);
 * - every `leaseMs / 3` the reaper deletes leases older than `leaseMs` and force-unlocks the graphile-worker
 *   workers they named, so those jobs run again on a live replica (operations.ts resumes them: the dead
 *   run's Pulumi lock is released, never a live one's);
 * - but only once the reaper itself has reached the database for a whole `leaseMs` without a failure (mayReap):
 *   a database outage stops every replica's heartbeat alike, and when the database is back each live replica
 *   gets a full lease period to renew before any is declared dead. So an outage (a restart, a failover) costs
 *   no replica its lease, however it compares with `leaseMs`.
 */
import { EventEmitter } from "node:events";
import { Logger, makeWorkerUtils, run, type Runner, type Task, type WorkerEvents, type WorkerUtils } from "graphile-worker";
import type pg from "pg";
import { databaseAnswers } from "./db/queue-pool.ts";
import { jobPayloadSchema, type JobKind, type JobPayload } from "./queue.ts";

/** How often empty per-tenant queues are dropped. */
const QUEUE_CLEANUP_MS = 10 * 60_000;

export interface ReplicaOptions {
  pool: pg.Pool;
  /**
   * The lease's own connections (heartbeat and reaper): never queued behind the jobs' and requests' queries in
   * `pool`, so a busy replica does not look dead to the others.
   */
  leasePool: pg.Pool;
  /**
   * The job runner's connections (db/queue-pool.ts): they wait out a database outage, so graphile-worker's
   * settling of a job that ended meanwhile runs once the database is back rather than failing unhandled.
   */
  queuePool: pg.Pool;
  replicaId: string;
  /** Jobs this replica runs at once; 0 = accept uploads only, run no job. */
  concurrency: number;
  leaseMs: number;
  runJob: (kind: JobKind, payload: JobPayload) => Promise<void>;
  log: (line: string) => void;
  /** Called when this replica lost its lease: it must stop now, its Pulumi runs first (they may still deploy). */
  onLeaseLost: () => void;
}

/**
 * Whether a reaper may declare others dead (pure): it has reached the database without a failure since
 * `upSince` (undefined: its last lease query failed), and that is a whole lease period ago.
 */
export function mayReap(upSince: number | undefined, now: number, leaseMs: number): boolean {
  return upSince !== undefined && now - upSince >= leaseMs;
}

export class Replica {
  private readonly options: ReplicaOptions;
  private readonly workerIds = new Set<string>();
  private runner: Runner | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private reaper: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private utils: WorkerUtils | undefined;
  /** Since when this replica's lease queries have all succeeded (mayReap); undefined after a failure. */
  private upSince: number | undefined;

  constructor(options: ReplicaOptions) {
    this.options = options;
  }

  /** Other replicas whose lease is current (their incoming/ folders are in use). */
  static async alive(pool: pg.Pool, leaseMs: number): Promise<Set<string>> {
    const { rows } = await pool.query<{ id: string }>("select id from platform_replicas where heartbeat_at > now() - make_interval(secs => $1)", [leaseMs / 1000]);
    return new Set(rows.map((row) => row.id));
  }

  async start(): Promise<void> {
    const { pool, replicaId, concurrency, leaseMs, log } = this.options;
    await pool.query("insert into platform_replicas (id) values ($1)", [replicaId]);
    // A replica that starts cannot tell whether the others were just cut off from the database: it waits a lease too.
    this.upSince = Date.now();
    this.heartbeat = setInterval(() => void this.beat(), Math.max(100, leaseMs / 6));
    this.reaper = setInterval(() => void this.reap(), Math.max(200, leaseMs / 3));
    // One queue per tenant leaves a queue row per tenant behind; graphile-worker's cleanup drops the empty ones.
    this.utils = await makeWorkerUtils({ pgPool: pool });
    this.sweeper = setInterval(() => void this.utils?.cleanup({ tasks: ["GC_JOB_QUEUES"] }).catch((error: Error) => log(`queue cleanup: ${error.message}`)), QUEUE_CLEANUP_MS);
    this.sweeper.unref();
    if (concurrency === 0) return;
    const events: WorkerEvents = new EventEmitter() as WorkerEvents;
    // Jobs are locked in the name of the pool (its local queue fetches them) or of a worker: record both, so
    // others can force-unlock whatever this replica held when it died.
    events.on("pool:create", ({ workerPool }) => {
      this.workerIds.add(workerPool.id);
      void this.beat();
    });
    events.on("worker:create", ({ worker }) => {
      this.workerIds.add(worker.workerId);
      void this.beat();
    });
    const task =
      (kind: JobKind): Task =>
      async (payload) => {
        try {
          await this.options.runJob(kind, jobPayloadSchema.parse(payload));
        } catch (error) {
          // graphile-worker records the failure with a query it does not await: it must find the database there
          // (db/queue-pool.ts). For a failure that is not the database's, it answers at once.
          await databaseAnswers(this.options.queuePool).catch(() => {});
          throw error;
        }
      };
    this.runner = await run({
      pgPool: this.options.queuePool,
      concurrency,
      noHandleSignals: true,
      // Jobs are announced with NOTIFY; the poll only catches retries that come due.
      pollInterval: 2000,
      events,
      // Its warnings and errors go to the service log; its chatter (info, debug) does not.
      logger: new Logger(() => (level, message) => {
        if (level === "error" || level === "warning") log(`job runner: ${message}`);
      }),
      taskList: { deploy: task("deploy"), delete: task("delete"), unlock: task("unlock") },
    });
    this.runner.promise.catch((error: unknown) => log(`job runner stopped: ${error instanceof Error ? error.message : String(error)}`));
  }

  private async beat(): Promise<void> {
    try {
      const { rowCount } = await this.options.leasePool.query("update platform_replicas set heartbeat_at = now(), worker_ids = $2 where id = $1", [
        this.options.replicaId,
        [...this.workerIds],
      ]);
      this.upSince ??= Date.now();
      if (rowCount === 0) {
        this.options.log(`${this.options.replicaId}: this replica's lease was taken over by others (it was stopped too long); exiting so no job runs twice`);
        this.options.onLeaseLost();
      }
    } catch (error) {
      // The database is away: the lease may look expired meanwhile, but no reaper acts on that (mayReap).
      this.upSince = undefined;
      this.options.log(`heartbeat: ${(error as Error).message}`);
    }
  }

  private async reap(): Promise<void> {
    const { leasePool, leaseMs, log, replicaId } = this.options;
    if (!mayReap(this.upSince, Date.now(), leaseMs)) return;
    try {
      const { rows } = await leasePool.query<{ id: string; worker_ids: string[] }>(
        "delete from platform_replicas where heartbeat_at < now() - make_interval(secs => $1) and id <> $2 returning id, worker_ids",
        [leaseMs / 1000, replicaId],
      );
      for (const row of rows) {
        if (row.worker_ids.length > 0) {
          await leasePool.query("select graphile_worker.force_unlock_workers($1::text[])", [row.worker_ids]);
        }
        log(`${row.id} stopped renewing its lease: its jobs run again on live replicas`);
      }
    } catch (error) {
      this.upSince = undefined;
      log(`lease reaper: ${(error as Error).message}`);
    }
  }

  /** Stops taking jobs and waits for the running ones (graphile-worker's graceful stop); then gives up the lease. */
  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.reaper);
    clearInterval(this.sweeper);
    await this.utils?.release();
    await this.runner?.stop();
    await this.options.pool.query("delete from platform_replicas where id = $1", [this.options.replicaId]).catch(() => {});
  }
}
