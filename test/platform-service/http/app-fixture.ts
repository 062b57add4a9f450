/**
 * The service's HTTP app on a real socket with its real parts (folders, scheduler, stacks on the pinned CLI),
 * for the tests of the HTTP edge. No Cloudflare is needed: these tests hold the only deploy slot with an
 * operation of their own (`holdSlot`), so accepted uploads stay queued and no stack is ever run.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../../packages/platform-service/src/http/app.ts";
import type { HttpLimits } from "../../../packages/platform-service/src/http/limits.ts";
import { Deployment } from "../../../packages/platform-service/src/deployment.ts";
import { redactor } from "../../../packages/platform-service/src/redact.ts";
import { TenantScheduler } from "../../../packages/platform-service/src/scheduler.ts";
import { TenantStacks } from "../../../packages/platform-service/src/stacks.ts";
import { tenantTokenKey } from "../../../packages/platform-service/src/tenant-tokens.ts";
import { TenantFolders } from "../../../packages/platform-service/src/tenant-folders.ts";
import { TenantService } from "../../../packages/platform-service/src/tenants.ts";
import { pulumiBinDir } from "../../fixtures/repo.mjs";

export const API_TOKEN = "platform-api-token-5f0c2e9a71";
export const SALT_SECRET = "salt-secret-for-the-app-test";

export interface TestApp {
  app: FastifyInstance;
  /** http://127.0.0.1:<port> once `listen` ran. */
  url: string;
  port: number;
  dataDir: string;
  scheduler: TenantScheduler;
  /** Occupies the only deploy slot until the returned function is called (accepted uploads stay queued). */
  holdSlot(): () => void;
  /** Files under incoming/ and tenants/: what an upload leaves behind. */
  leftovers(): string[];
  close(): Promise<void>;
}

export async function startTestApp(options: { limits?: HttpLimits; listen?: boolean; authenticated?: boolean } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "platform-app-"));
  const folders = new TenantFolders(dataDir);
  await folders.init();
  const binDir = await pulumiBinDir();
  const stacks = new TenantStacks({
    pulumiCommand: await PulumiCommand.get({ root: path.dirname(binDir) }),
    projectName: "app-test",
    mainDir: dataDir,
    pulumiHome: path.join(dataDir, "pulumi-home"),
    envVars: { PULUMI_BACKEND_URL: `file://${dataDir}/state` },
  });
  const redact = redactor([API_TOKEN, SALT_SECRET]);
  const scheduler = new TenantScheduler(1);
  const service = new TenantService({
    folders,
    stacks,
    scheduler,
    accountId: "0123456789abcdef0123456789abcdef",
    namespace: "tenants",
    saltSecret: SALT_SECRET,
    limits: { maxFileBytes: 1024, maxFiles: 10, maxSiteBytes: 4096 },
    maxArchiveBytes: 2048,
    redact,
    siteAddress: () => undefined,
    log: () => {},
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
    scheduler,
    holdSlot: () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const deployment = new Deployment({ tenant: "slot-holder", kind: "deploy", redact });
      scheduler.submit({ deployment, run: () => held.then(() => deployment.succeed()), discard: async () => {} });
      return release;
    },
    leftovers: () => [...walk(folders.incoming), ...walk(path.join(dataDir, "tenants"))],
    close: async () => {
      // Queued operations are abandoned with the app: they never ran and never will.
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
