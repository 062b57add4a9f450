/**
 * The service's HTTP app on a real socket with its real parts (a real Postgres, the records, the event feed,
 * folders, stacks on the pinned CLI), for the tests of the HTTP edge. No job runner: this replica only takes
 * requests, so accepted uploads stay queued (as on an API-only replica) and no stack is ever run.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import type { FastifyInstance } from "fastify";
import { runMigrations } from "graphile-worker";
import { openPool } from "../../../packages/platform-service/src/db/pool.ts";
import { migrate } from "../../../packages/platform-service/src/db/schema.ts";
import { buildApp } from "../../../packages/platform-service/src/http/app.ts";
import type { HttpLimits } from "../../../packages/platform-service/src/http/limits.ts";
import { redactor } from "../../../packages/platform-service/src/redact.ts";
import { TenantStacks } from "../../../packages/platform-service/src/stacks.ts";
import { EventFeed } from "../../../packages/platform-service/src/store/event-feed.ts";
import { DeploymentRecords } from "../../../packages/platform-service/src/store/records.ts";
import { tenantTokenKey } from "../../../packages/platform-service/src/tenant-tokens.ts";
import { TenantFolders } from "../../../packages/platform-service/src/tenant-folders.ts";
import { TenantService } from "../../../packages/platform-service/src/tenants.ts";
import { CloudflareClient } from "../../../packages/platform-service/src/wfp.ts";
import { pulumiBinDir } from "../../fixtures/repo.mjs";
import { startTestPostgres, type TestPostgres } from "../postgres.js";

export const API_TOKEN = "platform-api-token-5f0c2e9a71";
export const SALT_SECRET = "salt-secret-for-the-app-test";

export interface TestApp {
  app: FastifyInstance;
  /** http://127.0.0.1:<port> once `listen` ran. */
  url: string;
  port: number;
  dataDir: string;
  /** The kinds of the tenant's queued and running operations, oldest first. */
  open(tenant: string): Promise<string[]>;
  /** Files under incoming/ and tenants/: what an upload leaves behind. */
  leftovers(): string[];
  close(): Promise<void>;
}

export async function startTestApp(options: { limits?: HttpLimits; listen?: boolean; authenticated?: boolean } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "platform-app-"));
  const postgres: TestPostgres = await startTestPostgres();
  const pool = openPool(await postgres.database(), { log: () => {} });
  await migrate(pool);
  await runMigrations({ pgPool: pool });
  const folders = new TenantFolders(dataDir, "replica-test");
  await folders.init(new Set());
  const binDir = await pulumiBinDir();
  // Built as the service builds them; never run here (no job runner).
  void new TenantStacks({
    pulumiCommand: await PulumiCommand.get({ root: path.dirname(binDir) }),
    projectName: "app-test",
    mainDir: dataDir,
    pulumiHome: path.join(dataDir, "pulumi-home"),
    envVars: { PULUMI_BACKEND_URL: `file://${dataDir}/state` },
  });
  const redact = redactor([API_TOKEN, SALT_SECRET]);
  const records = new DeploymentRecords(pool, redact);
  const feed = new EventFeed((pool.options as { connectionString: string }).connectionString, records, () => {});
  await feed.start();
  const service = new TenantService({
    pool,
    records,
    feed,
    folders,
    limits: { maxFileBytes: 1024, maxFiles: 10, maxSiteBytes: 4096 },
    maxArchiveBytes: 2048,
    siteAddress: () => undefined,
    log: () => {},
    saltSecret: SALT_SECRET,
    // Read only for an upload equal to a live site; none goes live here (no job runner), so it is never called.
    cloudflare: { client: new CloudflareClient({ baseUrl: "http://127.0.0.1:9/client/v4", credentials: { apiToken: "never-used" } }), accountId: "0".repeat(32), namespace: "tenants" },
  });
  const credentials = options.authenticated === false ? undefined : { platformToken: API_TOKEN, tenantTokenKey: tenantTokenKey(API_TOKEN) };
  const app = buildApp({ service, credentials, redact, log: () => {}, ...(options.limits ? { limits: options.limits } : {}) });
  let url = "";
  let port = 0;
  if (options.listen !== false) {
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    port = typeof address === "object" && address ? address.port : 0;
    url = `http://127.0.0.1:${port}`;
  } else {
    await app.ready();
  }
  const walk = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: "utf8" }).map((name) => path.join(dir, name)) : []);
  return {
    app,
    url,
    port,
    dataDir,
    open: async (tenant) => (await records.open(tenant)).map((deployment) => deployment.kind),
    leftovers: () => [...walk(folders.incoming), ...walk(path.join(dataDir, "tenants"))],
    close: async () => {
      await app.close();
      await feed.close();
      await pool.end();
      await postgres.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
