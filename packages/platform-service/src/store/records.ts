/**
 * Deployment records and their events, in Postgres (db/schema.ts), so any replica answers for any deployment
 * and a restart loses none. Every message goes through the redactor before it is stored. Each new event is
 * announced with NOTIFY on `platform_events` (payload: the deployment id), which event-feed.ts follows.
 */
import type pg from "pg";
import type { DeployResult, DeploymentKind, DeploymentStatus, FailureCode, UploadedArchive } from "../deployment.ts";
import type { Redactor } from "../redact.ts";
import type { AssetConfig } from "../wfp.ts";

/** Progress lines kept per deployment; a 20,000-file deploy prints about 50. Status lines are always kept. */
export const MAX_EVENTS = 2000;
/** Deployments kept per tenant (with their events); older finished ones are deleted as new ones arrive. */
export const KEPT_DEPLOYMENTS = 20;

export interface DeploymentRecord {
  id: string;
  tenant: string;
  kind: DeploymentKind;
  status: DeploymentStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  archive: UploadedArchive | null;
  assetConfig: AssetConfig | null;
  result: DeployResult | null;
  error: { code: FailureCode; message: string } | null;
  supersededBy: string | null;
  runner: string | null;
  attempts: number;
}

export interface DeploymentEvent {
  seq: number;
  time: string;
  type: "status" | "progress";
  message: string;
}

export const FINISHED: ReadonlySet<DeploymentStatus> = new Set(["succeeded", "failed", "superseded"]);

interface Row {
  id: string;
  tenant: string;
  kind: DeploymentKind;
  status: DeploymentStatus;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  archive: UploadedArchive | null;
  asset_config: AssetConfig | null;
  result: DeployResult | null;
  error: { code: FailureCode; message: string } | null;
  superseded_by: string | null;
  runner: string | null;
  attempts: number;
}

function record(row: Row): DeploymentRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    kind: row.kind,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    archive: row.archive,
    assetConfig: row.asset_config,
    result: row.result,
    error: row.error,
    supersededBy: row.superseded_by,
    runner: row.runner,
    attempts: row.attempts,
  };
}

/** What the API shows of a deployment (events are streamed separately). */
export function deploymentJson(deployment: DeploymentRecord): Record<string, unknown> {
  return {
    id: deployment.id,
    tenant: deployment.tenant,
    kind: deployment.kind,
    status: deployment.status,
    createdAt: deployment.createdAt,
    startedAt: deployment.startedAt,
    finishedAt: deployment.finishedAt,
    archive: deployment.archive,
    result: deployment.result,
    error: deployment.error,
    supersededBy: deployment.supersededBy,
    events: `/tenants/${deployment.tenant}/deployments/${deployment.id}/events`,
  };
}

export type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

export class DeploymentRecords {
  private readonly pool: pg.Pool;
  private readonly redact: Redactor;

  constructor(pool: pg.Pool, redact: Redactor) {
    this.pool = pool;
    this.redact = redact;
  }

  async get(id: string, db: Queryable = this.pool): Promise<DeploymentRecord | undefined> {
    const { rows } = await db.query<Row>("select * from platform_deployments where id = $1", [id]);
    return rows[0] ? record(rows[0]) : undefined;
  }

  /** Newest first. */
  async ofTenant(tenant: string, db: Queryable = this.pool): Promise<DeploymentRecord[]> {
    const { rows } = await db.query<Row>("select * from platform_deployments where tenant = $1 order by created_at desc, id desc limit $2", [tenant, KEPT_DEPLOYMENTS]);
    return rows.map(record);
  }

  /** Queued and running operations of a tenant, oldest first. */
  async open(tenant: string, db: Queryable = this.pool): Promise<DeploymentRecord[]> {
    const { rows } = await db.query<Row>("select * from platform_deployments where tenant = $1 and status in ('queued', 'running') order by created_at, id", [tenant]);
    return rows.map(record);
  }

  async insert(
    db: Queryable,
    init: { id: string; tenant: string; kind: DeploymentKind; archive?: UploadedArchive; assetConfig?: AssetConfig },
  ): Promise<DeploymentRecord> {
    const { rows } = await db.query<Row>(
      "insert into platform_deployments (id, tenant, kind, status, archive, asset_config) values ($1, $2, $3, 'queued', $4, $5) returning *",
      [init.id, init.tenant, init.kind, init.archive ?? null, init.assetConfig ?? null],
    );
    await this.log(init.id, "status", `${init.kind} queued`, db);
    // Finished deployments past the newest KEPT_DEPLOYMENTS go, with their events (cascade).
    await db.query(
      `delete from platform_deployments where tenant = $1 and status in ('succeeded', 'failed', 'superseded')
         and id not in (select id from platform_deployments where tenant = $1 order by created_at desc, id desc limit $2)`,
      [init.tenant, KEPT_DEPLOYMENTS],
    );
    return record(rows[0]!);
  }

  /** Appends an event (numbered after the last one) and announces it. Progress past MAX_EVENTS is dropped. */
  async log(id: string, type: DeploymentEvent["type"], message: string, db: Queryable = this.pool): Promise<void> {
    await db.query(
      `with next as (
         select coalesce(max(seq), 0) + 1 as seq, count(*) filter (where type = 'progress') as progress
         from platform_events where deployment_id = $1
       ), added as (
         insert into platform_events (deployment_id, seq, type, message)
         select $1, next.seq, $2, $3 from next where $2 = 'status' or next.progress < $4
         returning seq
       )
       select pg_notify('platform_events', $1) from added`,
      [id, type, this.redact(message), MAX_EVENTS],
    );
  }

  async events(id: string, afterSeq: number, db: Queryable = this.pool): Promise<DeploymentEvent[]> {
    const { rows } = await db.query<{ seq: number; time: Date; type: DeploymentEvent["type"]; message: string }>(
      "select seq, time, type, message from platform_events where deployment_id = $1 and seq > $2 order by seq",
      [id, afterSeq],
    );
    return rows.map((row) => ({ seq: row.seq, time: row.time.toISOString(), type: row.type, message: row.message }));
  }

  /**
   * Marks it running on `runner` (one more attempt) and returns it as it was before, or undefined when it
   * has finished meanwhile (superseded between the job's pick-up and now): then there is nothing to run.
   */
  async start(id: string, runner: string): Promise<DeploymentRecord | undefined> {
    const { rows } = await this.pool.query<Row>(
      `update platform_deployments d set status = 'running', runner = $2, started_at = coalesce(d.started_at, now()), attempts = d.attempts + 1
         from platform_deployments before where d.id = $1 and before.id = d.id and d.status in ('queued', 'running')
         returning before.*`,
      [id, runner],
    );
    return rows[0] ? record(rows[0]) : undefined;
  }

  /** Settles it; the status change and its event commit together (one statement), so a follower sees both or neither. */
  async finish(id: string, outcome: { status: "succeeded"; result?: DeployResult } | { status: "failed"; code: FailureCode; message: string }, db: Queryable = this.pool): Promise<void> {
    const message = outcome.status === "failed" ? this.redact(outcome.message) : "";
    const error = outcome.status === "failed" ? { code: outcome.code, message } : null;
    const result = outcome.status === "succeeded" ? (outcome.result ?? null) : null;
    await db.query(
      `with updated as (
         update platform_deployments set status = $2, result = $3, error = $4, finished_at = now()
         where id = $1 and status in ('queued', 'running') returning kind
       ), next as (
         select coalesce(max(seq), 0) + 1 as seq from platform_events where deployment_id = $1
       ), added as (
         insert into platform_events (deployment_id, seq, type, message)
         select $1, next.seq, 'status', case when $2 = 'succeeded' then updated.kind || ' succeeded' else updated.kind || ' failed: ' || $5 end
         from updated, next returning seq
       )
       select pg_notify('platform_events', $1) from added`,
      [id, outcome.status, result, error, message],
    );
  }

  /** Marks the tenant's waiting uploads superseded by `by` and returns their ids. */
  async supersedeWaitingUploads(db: Queryable, tenant: string, by: { id: string; kind: DeploymentKind }): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>(
      "update platform_deployments set status = 'superseded', superseded_by = $2, finished_at = now() where tenant = $1 and kind = 'deploy' and status = 'queued' and id <> $2 returning id",
      [tenant, by.id],
    );
    for (const { id } of rows) {
      await this.log(id, "status", `superseded by ${by.kind} ${by.id} before it started`, db);
      await db.query("delete from platform_archives where deployment_id = $1", [id]);
    }
    return rows.map((row) => row.id);
  }

  /**
   * The tenant's other deployments still `running` when `by` starts: their runner died (the tenant's queue runs
   * one job at a time, and let `by` start only after that runner's lease was reaped), and their job will not run
   * again — graphile-worker gives up a running job whose key a newer upload took (replace mode). They are settled
   * as superseded by `by`, which releases their lock first (operations.ts). Returns them with their runner.
   */
  async supersedeInterrupted(tenant: string, by: { id: string; kind: DeploymentKind }): Promise<Array<{ id: string; runner: string | null }>> {
    const { rows } = await this.pool.query<{ id: string; runner: string | null }>(
      "update platform_deployments set status = 'superseded', superseded_by = $2, finished_at = now() where tenant = $1 and status = 'running' and id <> $2 returning id, runner",
      [tenant, by.id],
    );
    for (const { id, runner } of rows) {
      await this.log(id, "status", `interrupted: ${runner ?? "its replica"} stopped during it; superseded by ${by.kind} ${by.id}, which runs now`);
      await this.pool.query("delete from platform_archives where deployment_id = $1", [id]);
    }
    return rows;
  }
}
