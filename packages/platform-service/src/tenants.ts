/**
 * The service's core: an accepted upload becomes a deploy of the tenant's stack, a delete destroys and removes
 * it, and the tenant's state is what its operations and its last successful deploy say. HTTP-free (http/app.ts
 * is the edge); Pulumi-free too, apart from the `TenantStacks` it is given.
 */
import { rm } from "node:fs/promises";
import { extractArchive } from "./archive/extract.ts";
import type { SiteLimits } from "./archive/entry-rules.ts";
import { receiveBody } from "./archive/receive.ts";
import { Deployment, newDeploymentId, type DeployResult } from "./deployment.ts";
import { RequestRejected } from "./errors.ts";
import type { Redactor } from "./redact.ts";
import { tenantSalt } from "./salt.ts";
import type { TenantScheduler } from "./scheduler.ts";
import { StackOperationError, type TenantStacks } from "./stacks.ts";
import type { LiveSite, TenantFolders } from "./tenant-folders.ts";
import { formatBytes, tenantSiteProgram, type AssetConfig } from "./wfp.ts";

function files(count: number): string {
  return `${count} ${count === 1 ? "file" : "files"}`;
}

/** Deployments remembered per tenant (with their events), newest last. */
const KEPT_DEPLOYMENTS = 20;

export interface SiteAddress {
  url: string;
  /** For clients that cannot resolve *.localhost (the emulator's path form). */
  fallbackUrl?: string;
}

export interface TenantServiceOptions {
  folders: TenantFolders;
  stacks: TenantStacks;
  scheduler: TenantScheduler;
  accountId: string;
  namespace: string;
  saltSecret: string;
  limits: SiteLimits;
  maxArchiveBytes: number;
  redact: Redactor;
  siteAddress: (tenant: string) => SiteAddress | undefined;
  log: (line: string) => void;
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

interface TenantRecord {
  deployments: Deployment[];
  live: LiveSite | undefined;
}

/** The body of an upload: a stream (raw body, or the file part of a form) and its declared length. */
export interface UploadBody {
  /** Writes the archive to `file` and returns its size (archive/receive.ts, or the multipart reader). */
  saveTo(file: string, maxBytes: number): Promise<number>;
}

export class TenantService {
  private readonly options: TenantServiceOptions;
  private readonly records = new Map<string, TenantRecord>();

  constructor(options: TenantServiceOptions) {
    this.options = options;
  }

  /** A raw request body as an `UploadBody`. */
  static rawBody(body: AsyncIterable<Uint8Array> | undefined, declaredLength: number | undefined): UploadBody {
    return { saveTo: (file, maxBytes) => receiveBody(body, file, maxBytes, declaredLength) };
  }

  /**
   * Receives and unpacks the archive (a refusal throws RequestRejected and leaves nothing), then queues the
   * deploy. Returns at once with the queued deployment and the waiting ones it superseded.
   */
  async upload(tenant: string, body: UploadBody, assetConfig: AssetConfig): Promise<{ deployment: Deployment; superseded: Deployment[] }> {
    const { folders, limits, maxArchiveBytes } = this.options;
    const id = newDeploymentId();
    const { archive, staged } = folders.upload(id);
    let bytes: number;
    let site;
    try {
      bytes = await body.saveTo(archive, maxArchiveBytes);
      site = await extractArchive(archive, staged, limits);
    } finally {
      await rm(archive, { force: true });
    }
    const deployment = new Deployment({
      id,
      tenant,
      kind: "deploy",
      redact: this.options.redact,
      archive: { format: site.format, bytes, files: site.files, siteBytes: site.bytes },
    });
    deployment.log(`received a ${site.format} of ${formatBytes(bytes)}: ${files(site.files)}, ${formatBytes(site.bytes)} unpacked`);
    this.remember(await this.recordOf(tenant), deployment);
    const superseded = this.options.scheduler.submit({
      deployment,
      run: () => this.deploy(deployment, staged, assetConfig),
      discard: () => rm(staged, { recursive: true, force: true }),
    });
    this.options.log(`${tenant}: upload ${id} accepted (${site.files} files)${superseded.length ? `, superseding ${superseded.map((d) => d.id).join(", ")}` : ""}`);
    return { deployment, superseded };
  }

  /** Queues the destroy of the tenant's worker and stack; a delete already waiting or running is returned instead. */
  async remove(tenant: string): Promise<Deployment> {
    const record = await this.recordOf(tenant);
    const hasStack = await this.options.folders.exists(tenant);
    // From here on no await: two DELETEs cannot both pass the check.
    const operations = this.options.scheduler.operations(tenant);
    const pending = operations.find((deployment) => deployment.kind === "delete");
    if (pending) return pending;
    if (!hasStack && operations.length === 0) throw new RequestRejected("unknown-tenant", `tenant "${tenant}" has no site to delete.`);
    const deployment = new Deployment({ tenant, kind: "delete", redact: this.options.redact });
    this.remember(record, deployment);
    this.options.scheduler.submit({ deployment, run: () => this.destroy(deployment), discard: async () => {} });
    return deployment;
  }

  /** Queues `pulumi cancel` + refresh for a stack a crash left locked. */
  async unlock(tenant: string): Promise<Deployment> {
    if (!(await this.options.folders.exists(tenant))) throw new RequestRejected("unknown-tenant", `tenant "${tenant}" has no stack.`);
    const deployment = new Deployment({ tenant, kind: "unlock", redact: this.options.redact });
    this.remember(await this.recordOf(tenant), deployment);
    this.options.scheduler.submit({ deployment, run: () => this.release(deployment), discard: async () => {} });
    return deployment;
  }

  siteAddress(tenant: string): SiteAddress | undefined {
    return this.options.siteAddress(tenant);
  }

  deployment(tenant: string, id: string): Deployment {
    const found = this.records.get(tenant)?.deployments.find((deployment) => deployment.id === id);
    if (!found) throw new RequestRejected("unknown-deployment", `tenant "${tenant}" has no deployment "${id}" (this service keeps the last ${KEPT_DEPLOYMENTS} per tenant since it started).`);
    return found;
  }

  async status(tenant: string): Promise<TenantStatus> {
    const record = this.records.get(tenant);
    const operations = this.options.scheduler.operations(tenant);
    const latest = record?.deployments.at(-1);
    const live = record ? record.live : await this.options.folders.readLive(tenant);
    const deleted = latest?.kind === "delete" && latest.status === "succeeded" && operations.length === 0;
    if (deleted || (latest === undefined && live === undefined && !(await this.options.folders.exists(tenant)))) {
      throw new RequestRejected("unknown-tenant", `tenant "${tenant}" has no site; upload one with PUT /tenants/${tenant}/site.`);
    }
    const running = operations.find((deployment) => deployment.status === "running");
    let status: TenantState;
    if (running) status = running.kind === "deploy" ? "deploying" : running.kind === "delete" ? "deleting" : "unlocking";
    else if (operations.length > 0) status = "queued";
    else if (latest?.status === "failed") status = latest.error?.code === "stack-locked" ? "locked" : "failed";
    else status = live ? "live" : "not-live";
    return {
      tenant,
      status,
      live: live ? { ...live, ...this.options.siteAddress(tenant) } : null,
      deployment: latest ? latest.toJSON() : null,
      waiting: operations.filter((deployment) => deployment.status === "queued").map((deployment) => deployment.id),
      error: latest?.status === "failed" && latest.error ? latest.error : null,
    };
  }

  /** The tenant's record; on its first operation since the service started, what was live comes from disk. */
  private async recordOf(tenant: string): Promise<TenantRecord> {
    const existing = this.records.get(tenant);
    if (existing) return existing;
    const live = await this.options.folders.readLive(tenant);
    const record = this.records.get(tenant) ?? { deployments: [], live };
    this.records.set(tenant, record);
    return record;
  }

  private remember(record: TenantRecord, deployment: Deployment): void {
    record.deployments.push(deployment);
    if (record.deployments.length > KEPT_DEPLOYMENTS) record.deployments.splice(0, record.deployments.length - KEPT_DEPLOYMENTS);
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

  private failed(deployment: Deployment, error: unknown): void {
    if (error instanceof StackOperationError) deployment.fail(error.code, error.message);
    else deployment.fail("internal-error", error instanceof Error ? error.message : String(error));
    this.options.log(`${deployment.tenant}: ${deployment.kind} ${deployment.id} failed: ${this.options.redact(deployment.error?.message ?? "")}`);
  }

  private async deploy(deployment: Deployment, staged: string, assetConfig: AssetConfig): Promise<void> {
    const { folders, stacks } = this.options;
    const tenant = deployment.tenant;
    try {
      const site = await folders.install(tenant, staged);
      const outcome = await stacks.up(tenant, folders.workspace(tenant), this.program(tenant, site, assetConfig), (line) => deployment.log(line));
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
      deployment.log(
        changed
          ? `live: ${files(result.fileCount)} (${formatBytes(result.totalBytes)}); uploaded ${files(result.uploadedFiles)} (${formatBytes(result.uploadedBytes)})` +
              (result.uploadedFiles < result.fileCount ? `; the other ${result.fileCount - result.uploadedFiles} needed no upload (content already stored)` : "")
          : `live: no change, the same files as the live version; uploaded 0 files`,
      );
      const live: LiveSite = {
        deploymentId: deployment.id,
        deployedAt: new Date().toISOString(),
        manifestDigest: outputs.manifestDigest,
        etag: outputs.etag,
        modifiedOn: outputs.modifiedOn,
        fileCount: result.fileCount,
        totalBytes: result.totalBytes,
      };
      await folders.writeLive(tenant, live);
      const record = this.records.get(tenant);
      if (record) record.live = live;
      deployment.succeed(result);
      this.options.log(`${tenant}: deploy ${deployment.id} live (${changed ? `${result.uploadedFiles} files uploaded` : "no change"})`);
    } catch (error) {
      await rm(staged, { recursive: true, force: true });
      this.failed(deployment, error);
    }
  }

  private async destroy(deployment: Deployment): Promise<void> {
    const { folders, stacks } = this.options;
    const tenant = deployment.tenant;
    try {
      await stacks.destroy(tenant, folders.workspace(tenant), this.program(tenant, folders.site(tenant), {}), (line) => deployment.log(line));
      await folders.remove(tenant);
      const record = this.records.get(tenant);
      if (record) record.live = undefined;
      deployment.succeed();
      this.options.log(`${tenant}: deleted`);
    } catch (error) {
      this.failed(deployment, error);
    }
  }

  private async release(deployment: Deployment): Promise<void> {
    const { folders, stacks } = this.options;
    const tenant = deployment.tenant;
    try {
      await stacks.unlock(tenant, folders.workspace(tenant), this.program(tenant, folders.site(tenant), {}), (line) => deployment.log(line));
      deployment.succeed();
    } catch (error) {
      this.failed(deployment, error);
    }
  }
}
