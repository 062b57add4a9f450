/**
 * The service's front half: an upload is received, checked and unpacked (a refusal throws RequestRejected and
 * leaves nothing), then stored with its job in one transaction — only then is it accepted (the 202 is a promise,
 * README "Failure behaviour"). Deletes and unlocks are queued the same way. The tenant's state is what the
 * database says. The work itself runs in operations.ts, on whichever replica takes the job.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import type pg from "pg";
import { extractArchive } from "./archive/extract.ts";
import type { SiteLimits } from "./archive/entry-rules.ts";
import { receiveBody } from "./archive/receive.ts";
import { newDeploymentId } from "./deployment.ts";
import { RequestRejected } from "./errors.ts";
import { addJob, removeWaitingDeploy } from "./queue.ts";
import { tenantSalt } from "./salt.ts";
import { storeArchive } from "./store/archives.ts";
import type { EventFeed } from "./store/event-feed.ts";
import { deploymentJson, type DeploymentEvent, type DeploymentRecord, type DeploymentRecords } from "./store/records.ts";
import { liveSiteSchema, type LiveSite, type TenantFolders } from "./tenant-folders.ts";
import { contentDigest, decideUnchanged, mayBeUnchanged, type UnchangedDecision } from "./unchanged.ts";
import { formatBytes, readLiveStamps, siteFingerprint, type AssetConfig, type CloudflareClient } from "./wfp.ts";

export function files(count: number): string {
  return `${count} ${count === 1 ? "file" : "files"}`;
}

export interface SiteAddress {
  url: string;
  /** For clients that cannot resolve *.localhost (the emulator's path form). */
  fallbackUrl?: string;
}

export interface TenantServiceOptions {
  pool: pg.Pool;
  records: DeploymentRecords;
  feed: EventFeed;
  folders: TenantFolders;
  limits: SiteLimits;
  maxArchiveBytes: number;
  siteAddress: (tenant: string) => SiteAddress | undefined;
  log: (line: string) => void;
  /** Key of the per-tenant salts: an upload's files are hashed as the deploy would hash them (unchanged.ts). */
  saltSecret: string;
  /** Where the tenants' workers live, for the one read that confirms an unchanged upload is still what is served. */
  cloudflare: { client: CloudflareClient; accountId: string; namespace: string };
}

/** An accepted upload: queued (with the waiting uploads it superseded), or already settled as unchanged. */
export interface AcceptedUpload {
  deployment: DeploymentRecord;
  superseded: string[];
  /** True: the live site is this upload and Cloudflare still serves it; nothing was queued, no Pulumi run. */
  unchanged: boolean;
}

export type TenantState = "queued" | "deploying" | "deleting" | "unlocking" | "live" | "failed" | "locked" | "not-live";

export interface TenantStatus {
  tenant: string;
  status: TenantState;
  live: (LiveSite & Partial<SiteAddress>) | null;
  deployment: Record<string, unknown> | null;
  waiting: string[];
  error: { code: string; message: string } | null;
}

/** The body of an upload: a stream (raw body, or the file part of a form) and its declared length. */
export interface UploadBody {
  /** Writes the archive to `file` and returns its size (archive/receive.ts, or the multipart reader). */
  saveTo(file: string, maxBytes: number): Promise<number>;
}

/** Runs `work` in a transaction that holds the tenant's row lock: replicas enqueue one tenant's operations one at a time. */
async function inTenantTransaction<T>(pool: pg.Pool, tenant: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("insert into platform_tenants (name) values ($1) on conflict (name) do nothing", [tenant]);
    await client.query("select name from platform_tenants where name = $1 for update", [tenant]);
    const result = await work(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export class TenantService {
  private readonly options: TenantServiceOptions;

  constructor(options: TenantServiceOptions) {
    this.options = options;
  }

  /** A raw request body as an `UploadBody`. */
  static rawBody(body: AsyncIterable<Uint8Array> | undefined, declaredLength: number | undefined): UploadBody {
    return { saveTo: (file, maxBytes) => receiveBody(body, file, maxBytes, declaredLength) };
  }

  /**
   * Receives the archive and unpacks it to check every entry, then either settles it at once as unchanged (its
   * content is the live one and Cloudflare still serves what the last deploy left: no job, no Pulumi run), or
   * stores it and its job and returns the queued deployment and the waiting uploads it superseded. The unpacked
   * copy is dropped either way: the replica that runs the deploy unpacks the stored archive again.
   */
  async upload(tenant: string, body: UploadBody, assetConfig: AssetConfig): Promise<AcceptedUpload> {
    const { folders, limits, maxArchiveBytes, pool, records } = this.options;
    const id = newDeploymentId();
    const { archive, staged } = folders.upload(id, "received");
    try {
      const bytes = await body.saveTo(archive, maxArchiveBytes);
      const site = await extractArchive(archive, staged, limits);
      const summary = { format: site.format, bytes, files: site.files, siteBytes: site.bytes };
      const received = `received a ${site.format} of ${formatBytes(bytes)}: ${files(site.files)}, ${formatBytes(site.bytes)} unpacked`;
      const digest = await this.digest(tenant, staged, assetConfig);
      const check = digest === undefined ? undefined : await this.unchangedCheck(tenant, digest);
      const result = await inTenantTransaction(pool, tenant, async (client): Promise<AcceptedUpload> => {
        if (check?.decision.kind === "unchanged" && (await this.stillLive(client, tenant, check.live))) {
          const deployment = await records.insert(client, { id, tenant, kind: "deploy", archive: summary, assetConfig });
          await records.log(id, "progress", received, client);
          await records.log(id, "progress", `unchanged: the same files and settings as the live deploy ${check.live.deploymentId}, and Cloudflare still serves it; no Pulumi run`, client);
          await records.log(id, "progress", "live: no change, the same files as the live version; uploaded 0 files", client);
          const { live } = check;
          const outcome = { changed: false, fileCount: live.fileCount, totalBytes: live.totalBytes, uploadedFiles: 0, uploadedBytes: 0, manifestDigest: live.manifestDigest, etag: live.etag };
          await records.finish(id, { status: "succeeded", result: outcome }, client);
          return { deployment: (await records.get(id, client)) ?? deployment, superseded: [], unchanged: true };
        }
        const deployment = await records.insert(client, { id, tenant, kind: "deploy", archive: summary, assetConfig });
        await records.log(id, "progress", received, client);
        const refresh = check?.decision.kind === "deploy" && check.decision.refresh;
        if (check?.decision.kind === "deploy") await records.log(id, "progress", `${check.decision.reason}: the deploy reads it first and deploys over it`, client);
        await storeArchive(client, id, archive);
        const superseded = await records.supersedeWaitingUploads(client, tenant, { id, kind: "deploy" });
        await addJob(client, "deploy", { deploymentId: id, tenant, ...(digest !== undefined ? { contentDigest: digest } : {}), ...(refresh ? { refresh } : {}) });
        return { deployment, superseded, unchanged: false };
      });
      this.options.log(
        result.unchanged
          ? `${tenant}: upload ${id} unchanged (the live site; no deploy)`
          : `${tenant}: upload ${id} accepted (${site.files} files)${result.superseded.length ? `, superseding ${result.superseded.join(", ")}` : ""}`,
      );
      return result;
    } finally {
      await rm(archive, { force: true });
      await rm(staged, { recursive: true, force: true });
    }
  }

  /** The upload's content digest (unchanged.ts); undefined when the package's manifest builder refuses the folder (the deploy then says why). */
  private async digest(tenant: string, folder: string, assetConfig: AssetConfig): Promise<string | undefined> {
    try {
      const fingerprint = await siteFingerprint(folder, tenantSalt(this.options.saltSecret, tenant), this.options.limits.maxFiles);
      return contentDigest(fingerprint, assetConfig);
    } catch (error) {
      this.options.log(`${tenant}: no content digest (${error instanceof Error ? error.message.split("\n")[0] : String(error)}); the upload is deployed`);
      return undefined;
    }
  }

  /**
   * Only for an upload equal to the live content with nothing queued or running: one Cloudflare read of the
   * tenant's script. A failed read decides nothing (the upload is deployed as usual).
   */
  private async unchangedCheck(tenant: string, digest: string): Promise<{ live: LiveSite; decision: UnchangedDecision } | undefined> {
    const { pool, records, cloudflare } = this.options;
    const live = await this.live(pool, tenant);
    if (!live || !mayBeUnchanged(live, digest, (await records.open(tenant)).length)) return undefined;
    try {
      return { live, decision: decideUnchanged(live, await readLiveStamps(cloudflare.client, cloudflare.accountId, cloudflare.namespace, tenant)) };
    } catch (error) {
      this.options.log(`${tenant}: reading the live worker failed (${error instanceof Error ? error.message : String(error)}); the upload is deployed`);
      return undefined;
    }
  }

  /** Under the tenant's lock: nothing started or went live since the check (else the upload is queued as usual). */
  private async stillLive(client: pg.PoolClient, tenant: string, checked: LiveSite): Promise<boolean> {
    const live = await this.live(client, tenant);
    return live?.deploymentId === checked.deploymentId && (await this.options.records.open(tenant, client)).length === 0;
  }

  private async live(db: pg.Pool | pg.PoolClient, tenant: string): Promise<LiveSite | undefined> {
    const { rows } = await db.query<{ live: unknown }>("select live from platform_tenants where name = $1", [tenant]);
    return rows[0]?.live === null || rows[0]?.live === undefined ? undefined : liveSiteSchema.parse(rows[0].live);
  }

  /** Queues the destroy of the tenant's worker and stack; a delete already waiting or running is returned instead. */
  async remove(tenant: string): Promise<DeploymentRecord> {
    const { pool, records } = this.options;
    const known = await pool.query("select 1 from platform_tenants where name = $1", [tenant]);
    if (known.rowCount === 0) throw new RequestRejected("unknown-tenant", `tenant "${tenant}" has no site to delete.`);
    return inTenantTransaction(pool, tenant, async (client) => {
      const pending = (await records.open(tenant, client)).find((deployment) => deployment.kind === "delete");
      if (pending) return pending;
      const deployment = await records.insert(client, { id: newDeploymentId(), tenant, kind: "delete" });
      await records.supersedeWaitingUploads(client, tenant, deployment);
      await removeWaitingDeploy(client, tenant);
      await addJob(client, "delete", { deploymentId: deployment.id, tenant });
      return deployment;
    });
  }

  /** Queues `pulumi cancel` + refresh for a stack left locked by something this service cannot account for. */
  async unlock(tenant: string): Promise<DeploymentRecord> {
    const { pool, records } = this.options;
    const known = await pool.query("select 1 from platform_tenants where name = $1", [tenant]);
    if (known.rowCount === 0) throw new RequestRejected("unknown-tenant", `tenant "${tenant}" has no stack.`);
    return inTenantTransaction(pool, tenant, async (client) => {
      const deployment = await records.insert(client, { id: newDeploymentId(), tenant, kind: "unlock" });
      await addJob(client, "unlock", { deploymentId: deployment.id, tenant });
      return deployment;
    });
  }

  siteAddress(tenant: string): SiteAddress | undefined {
    return this.options.siteAddress(tenant);
  }

  async deployment(tenant: string, id: string): Promise<DeploymentRecord> {
    const found = await this.options.records.get(id);
    if (!found || found.tenant !== tenant) {
      throw new RequestRejected("unknown-deployment", `tenant "${tenant}" has no deployment "${id}" (the service keeps each tenant's last 20).`);
    }
    return found;
  }

  /** Replays the deployment's events after `afterSeq`, then follows it; `undefined` once it has finished. */
  subscribe(deploymentId: string, afterSeq: number, listener: (event: DeploymentEvent | undefined) => void): () => void {
    return this.options.feed.subscribe(deploymentId, afterSeq, listener);
  }

  /** The deployment as it is now (for the last line of a followed upload). */
  async current(deploymentId: string): Promise<DeploymentRecord | undefined> {
    return this.options.records.get(deploymentId);
  }

  async status(tenant: string): Promise<TenantStatus> {
    const { pool, records } = this.options;
    const { rows } = await pool.query<{ live: unknown }>("select live from platform_tenants where name = $1", [tenant]);
    if (rows.length === 0) throw new RequestRejected("unknown-tenant", `tenant "${tenant}" has no site; upload one with PUT /tenants/${tenant}/site.`);
    const live = rows[0]!.live === null ? undefined : liveSiteSchema.parse(rows[0]!.live);
    const [latest] = await records.ofTenant(tenant);
    const open = await records.open(tenant);
    const running = open.find((deployment) => deployment.status === "running");
    let status: TenantState;
    if (running) status = running.kind === "deploy" ? "deploying" : running.kind === "delete" ? "deleting" : "unlocking";
    else if (open.length > 0) status = "queued";
    else if (latest?.status === "failed") status = latest.error?.code === "stack-locked" ? "locked" : "failed";
    else status = live ? "live" : "not-live";
    return {
      tenant,
      status,
      live: live ? { ...live, ...this.options.siteAddress(tenant) } : null,
      deployment: latest ? deploymentJson(latest) : null,
      waiting: open.filter((deployment) => deployment.status === "queued").map((deployment) => deployment.id),
      error: latest?.status === "failed" && latest.error ? latest.error : null,
    };
  }
}

/** A replica's id: unique per process start, and a folder name (incoming/<id>/). */
export function newReplicaId(): string {
  return `replica-${randomUUID().slice(0, 8)}`;
}
