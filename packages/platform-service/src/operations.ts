/**
 * The service's back half: what a job does, on whichever replica takes it (queue.ts). A deploy fetches the
 * stored archive, unpacks it into the tenant's folder and runs `pulumi up` of the tenant's stack; a delete
 * destroys the worker and removes the stack; an unlock releases a lock the service cannot account for.
 *
 * A job found `running` was interrupted: the replica running it died (its lease expired, replica.ts) and the
 * job came back. Its stack may be locked by that dead run, so the lock is released first (the owner is known
 * dead), the unfinished operation is cleared, and the job runs again — the tenant's events say so. When a newer
 * upload had replaced the interrupted job's key, graphile-worker does not run that job again: the newer job finds
 * the older deployment still `running`, settles it as superseded, and clears its lock the same way.
 */
import { rm } from "node:fs/promises";
import type pg from "pg";
import { extractArchive } from "./archive/extract.ts";
import { isConnectionFailure } from "./db/connection-errors.ts";
import type { SiteLimits } from "./archive/entry-rules.ts";
import type { DeployResult } from "./deployment.ts";
import type { JobKind, JobPayload } from "./queue.ts";
import type { Redactor } from "./redact.ts";
import { tenantSalt } from "./salt.ts";
import { dropArchive, loadArchive } from "./store/archives.ts";
import type { DeploymentRecord, DeploymentRecords } from "./store/records.ts";
import { StackOperationError, StateBackendLost, type TenantStacks } from "./stacks.ts";
import type { LiveSite, TenantFolders } from "./tenant-folders.ts";
import { files } from "./tenants.ts";
import { formatBytes, tenantSiteProgram, type AssetConfig } from "./wfp.ts";

export interface TenantOperationsOptions {
  pool: pg.Pool;
  records: DeploymentRecords;
  folders: TenantFolders;
  stacks: TenantStacks;
  replicaId: string;
  accountId: string;
  namespace: string;
  saltSecret: string;
  limits: SiteLimits;
  redact: Redactor;
  log: (line: string) => void;
}

/**
 * A deployment's progress lines, written in order: each event's number is the next after the stored ones, so
 * writes of one deployment go one at a time. `flush` waits for them and reports a failed write.
 */
class ProgressWriter {
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private readonly records: DeploymentRecords;
  private readonly id: string;

  constructor(records: DeploymentRecords, id: string) {
    this.records = records;
    this.id = id;
  }

  readonly line = (text: string): void => {
    this.chain = this.chain.then(() => this.records.log(this.id, "progress", text)).catch((error: unknown) => {
      this.failure ??= error;
    });
  };

  async flush(): Promise<void> {
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
  }
}

type Line = (text: string) => void;

export class TenantOperations {
  private readonly options: TenantOperationsOptions;

  constructor(options: TenantOperationsOptions) {
    this.options = options;
  }

  /**
   * Runs one job to its end. Throws only when the database is away, for the service or for the Pulumi run whose
   * state is in it (graphile-worker then retries the job).
   */
  async run(kind: JobKind, payload: JobPayload): Promise<void> {
    const { records, replicaId } = this.options;
    const before = await records.start(payload.deploymentId, replicaId);
    // Finished meanwhile (superseded before it started): nothing to run.
    if (!before) return;
    const progress = new ProgressWriter(records, payload.deploymentId);
    if (before.status === "running") {
      progress.line(
        before.runner === replicaId
          ? `resuming: the previous attempt of this ${kind} lost the database (attempt ${before.attempts}); trying again`
          : `resuming: ${before.runner ?? "the replica"} stopped during this ${kind} (attempt ${before.attempts}); ${replicaId} finishes it`,
      );
    }
    // An older operation of the tenant interrupted by a replica's death, whose job will not run again: its lock
    // and unfinished operation are this one's to clear.
    const interrupted = await records.supersedeInterrupted(before.tenant, { id: before.id, kind });
    for (const other of interrupted) {
      progress.line(`resuming: ${other.runner ?? "a replica"} stopped during ${other.id}, which this ${kind} supersedes; ${replicaId} clears what it left first`);
    }
    if ((before.status === "running" || interrupted.length > 0) && kind !== "unlock") await this.recover(before, progress.line);
    await progress.flush();
    await records.log(payload.deploymentId, "status", `${kind} started${before.status === "running" ? " again" : ""}`);
    if (kind === "deploy") await this.deploy(before, payload, progress);
    else if (kind === "delete") await this.destroy(before, progress);
    else await this.release(before, progress);
  }

  private program(tenant: string, directory: string, assetConfig: AssetConfig) {
    const { accountId, namespace, saltSecret } = this.options;
    return tenantSiteProgram({
      accountId,
      namespace,
      scriptName: tenant,
      directory,
      hashSalt: tenantSalt(saltSecret, tenant),
      assetConfig,
      tags: [`tenant:${tenant}`],
    });
  }

  /** The dead run's lock and unfinished operation go; the live worker is read again. */
  private async recover(deployment: DeploymentRecord, line: Line): Promise<void> {
    const { folders, stacks } = this.options;
    const tenant = deployment.tenant;
    try {
      await stacks.unlock(tenant, folders.workspace(tenant), this.program(tenant, folders.site(tenant), {}), line);
    } catch (error) {
      // The database went away again: this attempt ends here, and the next one releases the lock.
      if (error instanceof StateBackendLost) throw error;
      // A stack the dead run never created, or never locked: nothing to release.
      line(`nothing to release (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`);
    }
  }

  private async failed(deployment: DeploymentRecord, error: unknown): Promise<void> {
    const code = error instanceof StackOperationError ? error.code : "internal-error";
    const message = error instanceof Error ? error.message : String(error);
    await this.options.records.finish(deployment.id, { status: "failed", code, message });
    this.options.log(`${deployment.tenant}: ${deployment.kind} ${deployment.id} failed: ${this.options.redact(message)}`);
  }

  private async deploy(deployment: DeploymentRecord, payload: JobPayload, progress: ProgressWriter): Promise<void> {
    const { folders, stacks, pool, records, limits } = this.options;
    const tenant = deployment.tenant;
    const { archive, staged } = folders.upload(deployment.id, "deployed");
    try {
      // A tenant with a live site has a stack: no `stack select` or `stack init` before the update (stacks.ts).
      const { rows } = await pool.query<{ live: unknown }>("select live from platform_tenants where name = $1", [tenant]);
      const exists = rows[0]?.live !== null && rows[0]?.live !== undefined;
      // The program reads the site's folder only when it runs, after the install below.
      const program = this.program(tenant, folders.site(tenant), deployment.assetConfig ?? {});
      // A new tenant's `stack init` runs while the archive is fetched and unpacked.
      stacks.prepare(tenant, folders.workspace(tenant), program, exists);
      if (!(await loadArchive(pool, deployment.id, archive))) throw new Error("the stored archive of this upload is gone; upload the site again");
      await extractArchive(archive, staged, limits);
      await folders.install(tenant, staged);
      const outcome = await stacks.up(tenant, folders.workspace(tenant), program, progress.line, { exists, refresh: payload.refresh === true });
      const { outputs, changed } = outcome;
      const result: DeployResult = {
        changed,
        fileCount: outputs.fileCount,
        totalBytes: outputs.totalBytes,
        // The outputs describe the last deploy that ran; a no-change `up` ran none and sent nothing.
        uploadedFiles: changed ? outputs.uploadedFiles : 0,
        uploadedBytes: changed ? outputs.uploadedBytes : 0,
        manifestDigest: outputs.manifestDigest,
        etag: outputs.etag,
      };
      progress.line(
        changed
          ? `live: ${files(result.fileCount)} (${formatBytes(result.totalBytes)}); uploaded ${files(result.uploadedFiles)} (${formatBytes(result.uploadedBytes)})` +
              (result.uploadedFiles < result.fileCount ? `; the other ${result.fileCount - result.uploadedFiles} needed no upload (content already stored)` : "")
          : "live: no change, the same files as the live version; uploaded 0 files",
      );
      const live: LiveSite = {
        deploymentId: deployment.id,
        deployedAt: new Date().toISOString(),
        manifestDigest: outputs.manifestDigest,
        etag: outputs.etag,
        modifiedOn: outputs.modifiedOn,
        fileCount: result.fileCount,
        totalBytes: result.totalBytes,
        ...(payload.contentDigest !== undefined ? { contentDigest: payload.contentDigest } : {}),
      };
      await progress.flush();
      await pool.query("update platform_tenants set live = $2, updated_at = now() where name = $1", [tenant, live]);
      await records.finish(deployment.id, { status: "succeeded", result });
      await dropArchive(pool, deployment.id);
      this.options.log(`${tenant}: deploy ${deployment.id} live (${changed ? `${result.uploadedFiles} files uploaded` : "no change"})`);
    } catch (error) {
      if (lostDatabase(error)) throw error;
      await progress.flush().catch(() => {});
      await this.failed(deployment, error);
      await dropArchive(pool, deployment.id);
    } finally {
      await rm(archive, { force: true });
      await rm(staged, { recursive: true, force: true });
    }
  }

  private async destroy(deployment: DeploymentRecord, progress: ProgressWriter): Promise<void> {
    const { folders, stacks, pool, records } = this.options;
    const tenant = deployment.tenant;
    try {
      await stacks.destroy(tenant, folders.workspace(tenant), this.program(tenant, folders.site(tenant), {}), progress.line);
      await progress.flush();
      await folders.remove(tenant);
      // The tenant is gone unless an upload already waits behind this delete (it creates the tenant again).
      await pool.query("update platform_tenants set live = null, updated_at = now() where name = $1", [tenant]);
      await pool.query(
        "delete from platform_tenants t where name = $1 and not exists (select 1 from platform_deployments d where d.tenant = t.name and d.status = 'queued')",
        [tenant],
      );
      await records.finish(deployment.id, { status: "succeeded" });
      this.options.log(`${tenant}: deleted`);
    } catch (error) {
      if (lostDatabase(error)) throw error;
      await progress.flush().catch(() => {});
      await this.failed(deployment, error);
    }
  }

  private async release(deployment: DeploymentRecord, progress: ProgressWriter): Promise<void> {
    const { folders, stacks, records } = this.options;
    const tenant = deployment.tenant;
    try {
      await stacks.unlock(tenant, folders.workspace(tenant), this.program(tenant, folders.site(tenant), {}), progress.line);
      await progress.flush();
      await records.finish(deployment.id, { status: "succeeded" });
    } catch (error) {
      if (lostDatabase(error)) throw error;
      await progress.flush().catch(() => {});
      await this.failed(deployment, error);
    }
  }
}

/**
 * The database went away — the service's own queries, or the Pulumi run's state backend in it (stacks.ts): not a
 * Pulumi or deploy failure. The job is retried, not failed: graphile-worker runs it again once the database is back
 * (queue.ts), and `run` then finds it `running` and clears the lock and unfinished operation first.
 */
function lostDatabase(error: unknown): boolean {
  return error instanceof StateBackendLost || isConnectionFailure(error);
}
