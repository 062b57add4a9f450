/**
 * Where the service keeps things, under its data directory:
 *
 *   incoming/<id>.archive     an upload being received (removed once unpacked or refused)
 *   incoming/<id>/            an unpacked upload waiting for its turn (removed if superseded)
 *   tenants/<tenant>/site/    the files of the tenant's last deploy (the program's `directory`)
 *   tenants/<tenant>/workspace/  the tenant's LocalWorkspace (Pulumi.yaml, Pulumi.<tenant>.yaml)
 *   tenants/<tenant>/live.json   what GET /tenants/<tenant> shows after a restart
 *   state/, pulumi-home/, emulator/, secrets/, hash-cache/
 *
 * A tenant folder exists only once an upload was accepted and started; a refused upload leaves nothing.
 * Tenant names are checked against the script-name rule before they become a path (no "/", no "..").
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
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
}

const liveSiteSchema = z.object({
  deploymentId: z.string(),
  deployedAt: z.string(),
  manifestDigest: z.string(),
  etag: z.string(),
  modifiedOn: z.string(),
  fileCount: z.number().int(),
  totalBytes: z.number().int(),
});

export class TenantFolders {
  readonly dataDir: string;

  constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  get incoming(): string {
    return path.join(this.dataDir, "incoming");
  }

  upload(id: string): { archive: string; staged: string } {
    return { archive: path.join(this.incoming, `${id}.archive`), staged: path.join(this.incoming, id) };
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

  /** Empties incoming/: uploads a crash interrupted were never deployed, and nobody waits for them any more. */
  async init(): Promise<void> {
    await rm(this.incoming, { recursive: true, force: true });
    await mkdir(this.incoming, { recursive: true });
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

  async readLive(tenant: string): Promise<LiveSite | undefined> {
    try {
      return liveSiteSchema.parse(JSON.parse(await readFile(path.join(this.tenant(tenant), "live.json"), "utf8")));
    } catch {
      return undefined;
    }
  }

  async writeLive(tenant: string, live: LiveSite): Promise<void> {
    const file = path.join(this.tenant(tenant), "live.json");
    await writeFile(`${file}.tmp`, `${JSON.stringify(live, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
  }

  async exists(tenant: string): Promise<boolean> {
    try {
      await readFile(path.join(this.workspace(tenant), "Pulumi.yaml"));
      return true;
    } catch {
      return false;
    }
  }

  async remove(tenant: string): Promise<void> {
    await rm(this.tenant(tenant), { recursive: true, force: true });
  }
}
