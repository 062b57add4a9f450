#!/usr/bin/env node
/**
 * The platform service, started with one command from the repository (Node 24 runs this TypeScript as is):
 *
 *   npm run build && node packages/platform-service/src/main.ts
 *
 * Configuration comes from the environment only (README "Configuration"). Without CLOUDFLARE_API_BASE_URL it
 * runs the package's emulator in this process, so a laptop needs no Cloudflare account.
 */
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runMigrations } from "graphile-worker";
import { connectCloudflare } from "./cloudflare-target.ts";
import { fillCompileCache } from "./compile-cache.ts";
import { ConfigError, parseConfig } from "./config.ts";
import { startLocalPostgres } from "./db/embedded-postgres.ts";
import { openPool } from "./db/pool.ts";
import { migrate, sharedSecret } from "./db/schema.ts";
import { buildApp } from "./http/app.ts";
import { findPulumiCli } from "./pulumi-cli.ts";
import { redactor } from "./redact.ts";
import { loadOrCreateSecret } from "./secret-file.ts";
import { TenantStacks } from "./stacks.ts";
import { tenantTokenKey } from "./tenant-tokens.ts";
import { TenantFolders } from "./tenant-folders.ts";
import { TenantOperations } from "./operations.ts";
import { Replica } from "./replica.ts";
import { EventFeed } from "./store/event-feed.ts";
import { DeploymentRecords } from "./store/records.ts";
import { newReplicaId, TenantService } from "./tenants.ts";
import { assetLimits, CloudflareClient } from "./wfp.ts";

const serviceDir = path.dirname(import.meta.dirname);
const repoRoot = path.resolve(serviceDir, "..", "..");
/** How long a stop waits for running jobs (a job cut short is taken over when this replica's lease expires). */
const STOP_GRACE_MS = 120_000;

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

async function main(): Promise<void> {
  const config = parseConfig(process.env, serviceDir);
  // The inline program runs here and stores the site folder relative to this process's cwd; the engine starts
  // the provider in the project's `main` and resolves it from there. Same folder for both, and one from which
  // @pulumi/pulumi and pulumi-wfp-assets resolve: the service's own. (Config paths are absolute by now.)
  process.chdir(serviceDir);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const secretsDir = path.join(config.dataDir, "secrets");
  const bootLog = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);

  // The coordinator: DATABASE_URL, or a Postgres of our own in the data directory.
  const local =
    config.databaseUrl === undefined
      ? await startLocalPostgres(path.join(config.dataDir, "postgres"), await loadOrCreateSecret(path.join(secretsDir, "postgres-password")), bootLog)
      : undefined;
  const databaseUrl = config.databaseUrl ?? local!.url;
  const pool = openPool(databaseUrl, { max: Math.max(10, config.maxConcurrentDeploys * 3 + 4), log: bootLog });
  await migrate(pool);
  await runMigrations({ pgPool: pool });

  // Shared by all replicas: configured, else generated once into the database (README "What lives in the database").
  const generate = (): string => randomBytes(32).toString("hex");
  const saltSecret = config.saltSecret ?? (await sharedSecret(pool, "salt-key", generate));
  // A file backend's folder must exist before the first `pulumi stack select`.
  if (config.backendUrl.startsWith("file://")) await mkdir(fileURLToPath(config.backendUrl), { recursive: true });
  const passphrase = config.passphrase ?? (await sharedSecret(pool, "pulumi-passphrase", generate));
  // The inline program runs in this process: keep its hash cache with the service's data.
  process.env.WFP_ASSETS_HASH_CACHE ??= path.join(config.dataDir, "hash-cache");

  const cli = await findPulumiCli(config.pulumiRoot, repoRoot);
  const cloudflare = await connectCloudflare(config, process.env);
  const redact = redactor([...cloudflare.secrets, saltSecret, passphrase, config.apiToken, process.env.CLOUDFLARE_API_TOKEN, process.env.CLOUDFLARE_API_KEY, databaseUrl]);
  const log = (line: string): void => {
    process.stderr.write(`${new Date().toISOString()} ${redact(line)}\n`);
  };

  const compileCache = path.join(config.dataDir, "node-compile-cache");
  // In the background: a deploy that starts before it is filled compiles as it always did.
  const cacheFilled = fillCompileCache(serviceDir, compileCache, log);

  const replicaId = newReplicaId();
  const folders = new TenantFolders(config.dataDir, replicaId);
  await folders.init(await Replica.alive(pool, config.leaseMs));
  const stacks = new TenantStacks({
    pulumiCommand: cli.command,
    projectName: config.projectName,
    mainDir: serviceDir,
    pulumiHome: path.join(config.dataDir, "pulumi-home"),
    envVars: {
      PULUMI_BACKEND_URL: config.backendUrl,
      PULUMI_CONFIG_PASSPHRASE: passphrase,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      // The engine starts the provider with the `node` it finds first: the one running this service.
      PATH: [cli.binDir, path.dirname(process.execPath), path.join(repoRoot, "node_modules", ".bin"), process.env.PATH ?? ""].join(path.delimiter),
      // The provider processes read the compiled modules from here (compile-cache.ts).
      NODE_COMPILE_CACHE: compileCache,
      // Several tenant stacks deploy at once on one token: their provider processes pace as one (README
      // "Configuration", apiBudgetShare), in the service's data folder, which replicas on one host share too.
      WFP_ASSETS_API_BUDGET_SHARE: process.env.WFP_ASSETS_API_BUDGET_SHARE ?? path.join(config.dataDir, "api-budget"),
      ...cloudflare.env,
    },
  });
  const records = new DeploymentRecords(pool, redact);
  const feed = new EventFeed(databaseUrl, records, log);
  await feed.start();
  const limits = { ...assetLimits, maxFiles: config.maxFiles, maxSiteBytes: config.maxSiteBytes };
  const operations = new TenantOperations({
    pool,
    records,
    folders,
    stacks,
    replicaId,
    accountId: config.accountId,
    namespace: config.namespace,
    saltSecret,
    limits,
    redact,
    log,
  });
  const leasePool = openPool(databaseUrl, { max: 2, log });
  const replica = new Replica({
    pool,
    leasePool,
    replicaId,
    concurrency: config.maxConcurrentDeploys,
    leaseMs: config.leaseMs,
    runJob: (kind, payload) => operations.run(kind, payload),
    log,
    onLeaseLost: () => process.exit(3),
  });
  await replica.start();
  // The service's own Cloudflare reads (unchanged.ts), with the credentials the stacks get.
  const cloudflareClient = new CloudflareClient({ env: { ...process.env, ...cloudflare.env } });
  const service = new TenantService({
    saltSecret,
    cloudflare: { client: cloudflareClient, accountId: config.accountId, namespace: config.namespace },
    pool,
    records,
    feed,
    folders,
    limits,
    maxArchiveBytes: config.maxArchiveBytes,
    siteAddress: cloudflare.siteAddress,
    log,
  });
  const credentials = config.apiToken === undefined ? undefined : { platformToken: config.apiToken, tenantTokenKey: tenantTokenKey(config.apiToken) };
  const app = buildApp({ service, credentials, redact, log, limits: config.http });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const base = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;

  const example = path.join(repoRoot, "examples", "tenant-sites", "spa-shop", "public");
  const auth = config.apiToken ? ` -H "Authorization: Bearer $PLATFORM_API_TOKEN"` : "";
  const spa = cloudflare.siteAddress("spa-shop");
  console.log(
    [
      `platform service listening on ${base}`,
      `  Cloudflare: ${cloudflare.description}`,
      `  Pulumi: ${cli.binDir}/pulumi, backend ${config.backendUrl}, project ${config.projectName}, ${config.maxConcurrentDeploys} deploys at once`,
      `  Postgres: ${local ? local.description : "DATABASE_URL"}; replica ${replicaId}`,
      `  data: ${config.dataDir}`,
      "",
      "Upload a tenant's site and watch it deploy:",
      `  tar czf - -C ${shellQuote(example)} . | curl -sS -T -${auth} '${base}/tenants/spa-shop/site?notFoundHandling=single-page-application&follow=1'`,
      ...(spa ? [`then open ${spa.url}${spa.fallbackUrl ? `  (or ${spa.fallbackUrl})` : ""}`] : []),
      `State: curl${auth} ${base}/tenants/spa-shop   Delete: curl -X DELETE${auth} '${base}/tenants/spa-shop?follow=1'`,
      "",
    ].join("\n"),
  );

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      log(`${signal} again: exiting now; a job still running is taken over by another replica (or this one after a restart) once its lease expires`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: no new requests; waiting up to ${STOP_GRACE_MS / 1000} s for running jobs`);
    // Event streams of running deploys keep their connections until the deploy ends: wait for both, bounded.
    await Promise.race([Promise.all([app.close(), replica.stop()]), new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
    await feed.close();
    await cacheFilled;
    await pool.end().catch(() => {});
    await leasePool.end().catch(() => {});
    await local?.stop();
    await cloudflareClient.close();
    await cloudflare.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`platform service: ${error.message}`);
    process.exit(2);
  }
  console.error(`platform service failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
