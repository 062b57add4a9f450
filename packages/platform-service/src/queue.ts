/**
 * The job queue: graphile-worker on the service's Postgres (README "Running the platform service in
 * production", why graphile-worker). Jobs are added inside the same transaction that stores an upload or a
 * delete, so a 202 always has its job, and no job exists for an upload that was not answered 202.
 *
 * - One queue per tenant (`tenant:<name>`): graphile-worker runs a queue's jobs one at a time, across all
 *   replicas, so a tenant's operations never overlap.
 * - A deploy's job key is `deploy:<tenant>` in replace mode: a newer upload replaces the payload of a deploy
 *   job still waiting (the newest upload wins); if that job already runs, a new one is queued behind it.
 */
import { z } from "zod";
import type { Queryable } from "./store/records.ts";

export type JobKind = "deploy" | "delete" | "unlock";

export interface JobPayload {
  deploymentId: string;
  tenant: string;
  /** A deploy's content (unchanged.ts `contentDigest`), recorded with the live site when it succeeds. */
  contentDigest?: string;
  /** A deploy that refreshes first: Cloudflare showed something else than the last deploy left. */
  refresh?: boolean;
}

/** A job's payload as it comes back from the queue (stored by an older or newer replica: checked, not trusted). */
export const jobPayloadSchema = z.object({
  deploymentId: z.string(),
  tenant: z.string(),
  contentDigest: z.string().optional(),
  refresh: z.boolean().optional(),
});

/** Attempts per job: a replica that dies mid-job costs one (its lease expires and the job runs again). */
const MAX_ATTEMPTS = 10;

export function tenantQueue(tenant: string): string {
  return `tenant:${tenant}`;
}

export async function addJob(db: Queryable, kind: JobKind, payload: JobPayload): Promise<void> {
  const jobKey = kind === "unlock" ? null : `${kind}:${payload.tenant}`;
  await db.query("select graphile_worker.add_job($1, $2::json, queue_name => $3, max_attempts => $4, job_key => $5, job_key_mode => 'replace')", [
    kind,
    JSON.stringify(payload),
    tenantQueue(payload.tenant),
    MAX_ATTEMPTS,
    jobKey,
  ]);
}

/** Drops the tenant's waiting deploy job, if it has not started (a delete supersedes waiting uploads). */
export async function removeWaitingDeploy(db: Queryable, tenant: string): Promise<void> {
  await db.query("select graphile_worker.remove_job($1)", [`deploy:${tenant}`]);
}
