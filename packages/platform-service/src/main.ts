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
import type { FastifyInstance } from "fastify";
import { runMigrations } from "graphile-worker";
import type pg from "pg";
import { connectCloudflare, type CloudflareTarget } from "./cloudflare-target.ts";
import { fillCompileCache } from "./compile-cache.ts";
import { ConfigError, parseConfig, type ServiceConfig } from "./config.ts";
import { startLocalPostgres, type LocalPostgres } from "./db/embedded-postgres.ts";
import { openPool } from "./db/pool.ts";
import { openQueuePool } from "./db/queue-pool.ts";
import { migrate, sharedSecret } from "./db/schema.ts";
import { buildApp } from "./http/app.ts";
import { findPulumiCli, type PulumiCli } from "./pulumi-cli.ts";
import { canFence, killPulumiRuns, RUN_OWNER_VARIABLE } from "./pulumi-runs.ts";
import { describeBackend } from "./pulumi-backend.ts";
import { redactor, type Redactor } from "./redact.ts";
import { loadOrCreateSecret } from "./secret-file.ts";
import { TenantStacks } from "./stacks.ts";
import { tenantTokenKey } from "./tenant-tokens.ts";
import { TenantFolders } from "./tenant-folders.ts";
import { TenantOperations } from "./operations.ts";
import { Replica } from "./replica.ts";
import { EventFeed } from "./store/event-feed.ts";
import { DeploymentRecords } from "./store/records.ts";
import { newReplicaId, TenantService, type TenantServiceOptions } from "./tenants.ts";
import { assetLimits, CloudflareClient } from "./wfp.ts";

const serviceDir = path.dirname(import.meta.dirname);
const repoRoot = path.resolve(serviceDir, "..", "..");
/** How long a stop waits for running jobs (a job cut short is taken over when this replica's lease expires). */
const STOP_GRACE_MS = 120_000;

type Log = (line: string) => void;

/** The coordinator's connection; `local` when it is a Postgres of our own. */
interface Database {
  pool: pg.Pool;
  databaseUrl: string;
  local: LocalPostgres | undefined;
}

interface SharedSecrets {
  saltSecret: string;
  passphrase: string;
}

/** What every later part is built from. */
interface Foundation {
  config: ServiceConfig;
  db: Database;
  secrets: SharedSecrets;
  cli: PulumiCli;
  cloudflare: CloudflareTarget;
  redact: Redactor;
  log: Log;
}

/** The parts that run the jobs. */
interface JobParts {
  replicaId: string;
  folders: TenantFolders;
  records: DeploymentRecords;
  feed: EventFeed;
  operations: TenantOperations;
  limits: TenantServiceOptions["limits"];
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

function timestamped(line: string): string {
  return `${new Date().toISOString()} ${line}\n`;
}

/** The coordinator: DATABASE_URL, or a Postgres of our own in the data directory; migrated before use. */
async function openDatabase(config: ServiceConfig, bootLog: Log): Promise<Database> {
  const secretsDir = path.join(config.dataDir, "secrets");
  const local =
    config.databaseUrl === undefined
      ? await startLocalPostgres(path.join(config.dataDir, "postgres"), await loadOrCreateSecret(path.join(secretsDir, "postgres-password")), bootLog)
      : undefined;
  const databaseUrl = config.databaseUrl ?? local!.url;
  const pool = openPool(databaseUrl, { max: Math.max(10, config.maxConcurrentDeploys * 3 + 4), log: bootLog });
  await migrate(pool);
  await runMigrations({ pgPool: pool });
  return { pool, databaseUrl, local };
}

/**
 * Shared by all replicas: configured, else generated once into the database (README "What lives in the
 * database"). Also readies what the Pulumi runs keep on disk.
 */
async function loadSharedSecrets(config: ServiceConfig, pool: pg.Pool): Promise<SharedSecrets> {
  const generate = (): string => randomBytes(32).toString("hex");
  const saltSecret = config.saltSecret ?? (await sharedSecret(pool, "salt-key", generate));
  // A file backend's folder must exist before the first `pulumi stack select`.
  if (config.backendUrl.startsWith("file://")) await mkdir(fileURLToPath(config.backendUrl), { recursive: true });
  const passphrase = config.passphrase ?? (await sharedSecret(pool, "pulumi-passphrase", generate));
  // The inline program runs in this process: keep its hash cache with the service's data.
  process.env.WFP_ASSETS_HASH_CACHE ??= path.join(config.dataDir, "hash-cache");
  return { saltSecret, passphrase };
}

/** Finds the Pulumi CLI, connects Cloudflare (or starts the emulator), and makes the log that hides every secret. */
async function connectOutside(config: ServiceConfig, db: Database, secrets: SharedSecrets): Promise<Foundation> {
  const cli = await findPulumiCli(config.pulumiRoot, repoRoot, path.join(config.dataDir, "pulumi-session"));
  const cloudflare = await connectCloudflare(config, process.env);
  const env = process.env;
  // The database's password also appears in the Pulumi backend URL (and the CLI's messages about it), spelled otherwise.
  const password = new URL(db.databaseUrl).password;
  const redact = redactor([
    ...cloudflare.secrets,
    secrets.saltSecret,
    secrets.passphrase,
    config.apiToken,
    env.CLOUDFLARE_API_TOKEN,
    env.CLOUDFLARE_API_KEY,
    db.databaseUrl,
    config.backendUrl.startsWith("postgres://") ? config.backendUrl : undefined,
    password,
    decodeURIComponent(password),
  ]);
  const log: Log = (line) => {
    process.stderr.write(timestamped(redact(line)));
  };
  return { config, db, secrets, cli, cloudflare, redact, log };
}

/**
 * Settings of the CLI processes themselves (README "Where a deploy's time goes"), each kept when the service's own
 * environment sets it:
 * - GOGC=400: a CLI run is short and its heap small (one resource per stack), so Go's collector runs less often;
 *   about 0.04 CPU-s less per run.
 * - PULUMI_LOG_ROTATION_MAX_TOTAL_MB=32: every CLI run of the pinned 3.259 writes an encrypted log into
 *   `<pulumi-home>/logs` (about 24 KiB per `up`) and, before it starts, lists, stats and sorts every file there to
 *   rotate them. At its default cap (500 MB, 7 days) a busy service keeps ~20,000 files there, and each run paid
 *   0.12 CPU-s more for the listing; 32 MB keeps about the last 1,300 deploys' logs.
 */
function cliRuntimeSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  return {
    GOGC: env.GOGC ?? "400",
    PULUMI_LOG_ROTATION_MAX_TOTAL_MB: env.PULUMI_LOG_ROTATION_MAX_TOTAL_MB ?? "32",
  };
}

/** The tenant stacks' Pulumi runs: this service's CLI, backend and provider, with the Cloudflare credentials. */
function tenantStacks(base: Foundation, compileCache: string, replicaId: string): TenantStacks {
  const { config, cli } = base;
  return new TenantStacks({
    pulumiCommand: cli.command,
    projectName: config.projectName,
    mainDir: serviceDir,
    pulumiHome: path.join(config.dataDir, "pulumi-home"),
    envVars: {
      PULUMI_BACKEND_URL: config.backendUrl,
      PULUMI_CONFIG_PASSPHRASE: base.secrets.passphrase,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      ...cliRuntimeSettings(process.env),
      // Marks the run and every plugin it starts as this replica's: the fence kills exactly these (pulumi-runs.ts).
      [RUN_OWNER_VARIABLE]: replicaId,
      // The engine starts the provider with the `node` it finds first: the one running this service.
      PATH: [cli.binDir, path.dirname(process.execPath), path.join(repoRoot, "node_modules", ".bin"), process.env.PATH ?? ""].join(path.delimiter),
      // The provider processes read the compiled modules from here (compile-cache.ts).
      NODE_COMPILE_CACHE: compileCache,
      // Several tenant stacks deploy at once on one token: their provider processes pace as one (README
      // "Configuration", apiBudgetShare), in the service's data folder, which replicas on one host share too.
      WFP_ASSETS_API_BUDGET_SHARE: process.env.WFP_ASSETS_API_BUDGET_SHARE ?? path.join(config.dataDir, "api-budget"),
      ...base.cloudflare.env,
    },
  });
}

/** This replica's folders, the stacks, the records and their event feed, and the operations that run the jobs. */
async function buildJobParts(base: Foundation, compileCache: string): Promise<JobParts> {
  const { config, redact, log } = base;
  const { pool, databaseUrl } = base.db;
  const replicaId = newReplicaId();
  const folders = new TenantFolders(config.dataDir, replicaId);
  await folders.init(await Replica.alive(pool, config.leaseMs));
  const stacks = tenantStacks(base, compileCache, replicaId);
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
    saltSecret: base.secrets.saltSecret,
    limits,
    redact,
    log,
  });
  return { replicaId, folders, records, feed, operations, limits };
}

/**
 * Kills this replica's Pulumi runs whole (pulumi-runs.ts). At every exit of the process — a lost lease, a
 * second signal, a stop whose grace ran out, an uncaught error — so no run of it outlives it; after a graceful
 * stop nothing is running any more and it finds nothing.
 */
function fencePulumiRuns(replicaId: string, log: Log, reason: string): void {
  const killed = killPulumiRuns(replicaId);
  if (killed.length > 0) log(`${reason}: killed this replica's Pulumi runs (${killed.length} processes: ${killed.join(", ")})`);
}

/**
 * A promise no code awaited that fails (a library's own) ends the process as Node would by default, but through
 * the service's redacting log, saying what happens next; the exit fences the Pulumi runs (startReplica).
 */
function exitOnUnhandledRejection(log: Log): void {
  process.on("unhandledRejection", (reason) => {
    log(
      `unexpected failure, exiting: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n` +
        "a job this replica was running runs again once its lease expires, on another replica or on this one restarted",
    );
    process.exit(1);
  });
}

/**
 * Starts taking jobs, on a lease kept over connections of its own. A lost lease kills this replica's Pulumi
 * runs, then ends the process: nothing of it touches Cloudflare or a stack once its jobs belong to others.
 */
async function startReplica(base: Foundation, parts: JobParts): Promise<{ replica: Replica; leasePool: pg.Pool; queuePool: pg.Pool }> {
  const { config, log } = base;
  process.on("exit", (code) => fencePulumiRuns(parts.replicaId, log, `exit ${code}`));
  if (!canFence()) log(`Pulumi runs cannot be fenced on ${process.platform} (no /proc): a replica that loses its lease exits, but its running CLI does not`);
  const leasePool = openPool(base.db.databaseUrl, { max: 2, log });
  // graphile-worker's own queries: one LISTEN connection, a job fetch per worker, and the settling of finished jobs.
  const queuePool = openQueuePool(base.db.databaseUrl, { max: config.maxConcurrentDeploys + 2, log });
  const replica = new Replica({
    pool: base.db.pool,
    leasePool,
    queuePool,
    replicaId: parts.replicaId,
    concurrency: config.maxConcurrentDeploys,
    leaseMs: config.leaseMs,
    runJob: (kind, payload) => parts.operations.run(kind, payload),
    log,
    onLeaseLost: () => {
      fencePulumiRuns(parts.replicaId, log, "lease lost");
      process.exit(3);
    },
  });
  await replica.start();
  return { replica, leasePool, queuePool };
}

/** What the HTTP API calls: the tenants' uploads, state and deployments. */
function tenantService(base: Foundation, parts: JobParts): { service: TenantService; cloudflareClient: CloudflareClient } {
  const { config, cloudflare } = base;
  // The service's own Cloudflare reads (unchanged.ts), with the credentials the stacks get.
  const cloudflareClient = new CloudflareClient({ env: { ...process.env, ...cloudflare.env } });
  const service = new TenantService({
    saltSecret: base.secrets.saltSecret,
    cloudflare: { client: cloudflareClient, accountId: config.accountId, namespace: config.namespace },
    pool: base.db.pool,
    records: parts.records,
    feed: parts.feed,
    folders: parts.folders,
    limits: parts.limits,
    maxArchiveBytes: config.maxArchiveBytes,
    siteAddress: cloudflare.siteAddress,
    log: base.log,
  });
  return { service, cloudflareClient };
}

/** Builds the HTTP API and listens; returns it with the base URL it answers on. */
async function startHttp(base: Foundation, service: TenantService): Promise<{ app: FastifyInstance; url: string }> {
  const { config } = base;
  const credentials = config.apiToken === undefined ? undefined : { platformToken: config.apiToken, tenantTokenKey: tenantTokenKey(config.apiToken) };
  const app = buildApp({ service, credentials, redact: base.redact, log: base.log, limits: config.http });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  return { app, url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}` };
}

/** Where it listens, what it runs on, and the commands that deploy the example site. */
function printWelcome(base: Foundation, replicaId: string, url: string): void {
  const { config, cloudflare, cli } = base;
  const example = path.join(repoRoot, "examples", "tenant-sites", "spa-shop", "public");
  const auth = config.apiToken ? ` -H "Authorization: Bearer $PLATFORM_API_TOKEN"` : "";
  const spa = cloudflare.siteAddress("spa-shop");
  const local = base.db.local;
  console.log(
    [
      `platform service listening on ${url}`,
      `  Cloudflare: ${cloudflare.description}`,
      `  Pulumi: ${cli.binDir}/pulumi, backend ${describeBackend(config.backendUrl)}, project ${config.projectName}, ${config.maxConcurrentDeploys} deploys at once`,
      `  Postgres: ${local ? local.description : "DATABASE_URL"}; replica ${replicaId}`,
      `  data: ${config.dataDir}`,
      "",
      "Upload a tenant's site and watch it deploy:",
      `  tar czf - -C ${shellQuote(example)} . | curl -sS -T -${auth} '${url}/tenants/spa-shop/site?notFoundHandling=single-page-application&follow=1'`,
      ...(spa ? [`then open ${spa.url}${spa.fallbackUrl ? `  (or ${spa.fallbackUrl})` : ""}`] : []),
      `State: curl${auth} ${url}/tenants/spa-shop   Delete: curl -X DELETE${auth} '${url}/tenants/spa-shop?follow=1'`,
      "",
    ].join("\n"),
  );
}

/** What a stop closes, in the order it closes them. */
interface Running {
  app: FastifyInstance;
  replica: Replica;
  feed: EventFeed;
  cacheFilled: Promise<unknown>;
  leasePool: pg.Pool;
  queuePool: pg.Pool;
  cloudflareClient: CloudflareClient;
}

/**
 * SIGINT/SIGTERM: stop taking requests and jobs, wait (bounded) for running ones, close everything, exit 0.
 * A second signal exits at once.
 */
function handleSignals(base: Foundation, running: Running): void {
  const { log } = base;
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      log(`${signal} again: exiting now; a job still running is taken over by another replica (or this one after a restart) once its lease expires`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: no new requests; waiting up to ${STOP_GRACE_MS / 1000} s for running jobs`);
    // Event streams of running deploys keep their connections until the deploy ends: wait for both, bounded.
    await Promise.race([Promise.all([running.app.close(), running.replica.stop()]), new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
    await running.feed.close();
    await running.cacheFilled;
    await base.db.pool.end().catch(() => {});
    await running.leasePool.end().catch(() => {});
    await running.queuePool.end().catch(() => {});
    await base.db.local?.stop();
    await running.cloudflareClient.close();
    await base.cloudflare.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

async function main(): Promise<void> {
  const config = parseConfig(process.env, serviceDir);
  // The inline program runs here and stores the site folder relative to this process's cwd; the engine starts
  // the provider in the project's `main` and resolves it from there. Same folder for both, and one from which
  // @pulumi/pulumi and pulumi-wfp-assets resolve: the service's own. (Config paths are absolute by now.)
  process.chdir(serviceDir);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const bootLog: Log = (line) => void process.stderr.write(timestamped(line));

  const db = await openDatabase(config, bootLog);
  const secrets = await loadSharedSecrets(config, db.pool);
  const base = await connectOutside(config, db, secrets);
  exitOnUnhandledRejection(base.log);

  const compileCache = path.join(config.dataDir, "node-compile-cache");
  // In the background: a deploy that starts before it is filled compiles as it always did.
  const cacheFilled = fillCompileCache(serviceDir, compileCache, base.log);

  const parts = await buildJobParts(base, compileCache);
  const { replica, leasePool, queuePool } = await startReplica(base, parts);
  const { service, cloudflareClient } = tenantService(base, parts);
  const { app, url } = await startHttp(base, service);
  printWelcome(base, parts.replicaId, url);
  handleSignals(base, { app, replica, feed: parts.feed, cacheFilled, leasePool, queuePool, cloudflareClient });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`platform service: ${error.message}`);
    process.exit(2);
  }
  console.error(`platform service failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
