/**
 * Where the service keeps things, under its data directory:
 *
 *   incoming/<replica>/<id>.received.archive, <id>.received/  an upload being received and checked (removed after)
 *   incoming/<replica>/<id>.deployed.archive, <id>.deployed/  a stored upload fetched to deploy (removed after)
 *   tenants/<tenant>/site/    the files of the tenant's last deploy (the program's `directory`)
 *   tenants/<tenant>/workspace/  the tenant's LocalWorkspace (Pulumi.yaml, Pulumi.<tenant>.yaml)
 *   state/, pulumi-home/, emulator/, secrets/, hash-cache/
 *
 * A tenant folder exists only once an upload was accepted and started; a refused upload leaves nothing.
 * Tenant names are checked against the script-name rule before they become a path (no "/", no "..").
 */
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

export interface LiveSite {
  deploymentId: string;
  deployedAt: string;
  manifestDigest: string;
  etag: string;
  modifiedOn: string;
  fileCount: number;
  totalBytes: number;
  /** unchanged.ts `contentDigest` of the upload that made this live (absent for sites deployed before it existed). */
  contentDigest?: string;
}

export const liveSiteSchema = z.object({
  deploymentId: z.string(),
  deployedAt: z.string(),
  manifestDigest: z.string(),
  etag: z.string(),
  modifiedOn: z.string(),
  fileCount: z.number().int(),
  totalBytes: z.number().int(),
  contentDigest: z.string().optional(),
});

export class TenantFolders {
  readonly dataDir: string;
  /** This process's own folder under incoming/: replicas may share one data directory. */
  private readonly replicaId: string;

  constructor(dataDir: string, replicaId: string) {
    this.dataDir = dataDir;
    this.replicaId = replicaId;
  }

  get incoming(): string {
    return path.join(this.dataDir, "incoming", this.replicaId);
  }

  /**
   * Where an upload's archive and unpacked files go while it is `received` (checked, then dropped) or
   * `deployed` (fetched from the database and installed): apart, since the same replica may do both at once.
   */
  upload(id: string, purpose: "received" | "deployed"): { archive: string; staged: string } {
    const base = path.join(this.incoming, `${id}.${purpose}`);
    return { archive: `${base}.archive`, staged: base };
  }

  tenant(tenant: string): string {
    return path.join(this.dataDir, "tenants", tenant);
  }

  site(tenant: string): string {
    return path.join(this.tenant(tenant), "site");
  }

  workspace(tenant: string): string {
    return path.join(this.tenant(tenant), "workspace");
  }

  /**
   * Makes this replica's incoming/ folder and removes those of replicas that are gone (`alive` lists the
   * others): what they held was a copy (an upload being received, or a stored archive being unpacked), and
   * the database still has every accepted upload.
   */
  async init(alive: ReadonlySet<string>): Promise<void> {
    const root = path.dirname(this.incoming);
    await mkdir(this.incoming, { recursive: true });
    for (const entry of await readdir(root)) {
      if (entry !== this.replicaId && !alive.has(entry)) await rm(path.join(root, entry), { recursive: true, force: true });
    }
  }

  /** Makes `staged` the tenant's site folder (the previous one is dropped; the stack deploys the new one). */
  async install(tenant: string, staged: string): Promise<string> {
    const site = this.site(tenant);
    const previous = `${site}.previous`;
    await mkdir(this.tenant(tenant), { recursive: true });
    await rm(previous, { recursive: true, force: true });
    await rename(site, previous).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
    await rename(staged, site);
    await rm(previous, { recursive: true, force: true });
    return site;
  }

  async remove(tenant: string): Promise<void> {
    await rm(this.tenant(tenant), { recursive: true, force: true });
  }
}
