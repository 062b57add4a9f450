#!/usr/bin/env node
/**
 * The platform service, started with one command from the repository (Node 24 runs this TypeScript as is):
 *
 *   npm run build && node packages/platform-service/src/main.ts
 *
 * Configuration comes from the environment only (README "Configuration"). Without CLOUDFLARE_API_BASE_URL it
 * runs the package's emulator in this process, so a laptop needs no Cloudflare account.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { connectCloudflare } from "./cloudflare-target.ts";
import { ConfigError, parseConfig } from "./config.ts";
import { buildApp } from "./http/app.ts";
import { findPulumiCli } from "./pulumi-cli.ts";
import { redactor } from "./redact.ts";
import { TenantScheduler } from "./scheduler.ts";
import { loadOrCreateSecret } from "./secret-file.ts";
import { TenantStacks } from "./stacks.ts";
import { tenantTokenKey } from "./tenant-tokens.ts";
import { TenantFolders } from "./tenant-folders.ts";
import { TenantService } from "./tenants.ts";
import { assetLimits } from "./wfp.ts";

const serviceDir = path.dirname(import.meta.dirname);
const repoRoot = path.resolve(serviceDir, "..", "..");
/** How long a stop waits for running deploys (a killed deploy leaves its stack locked: see /unlock). */
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
  const folders = new TenantFolders(config.dataDir);
  await folders.init();
  const secretsDir = path.join(config.dataDir, "secrets");
  const saltSecret = config.saltSecret ?? (await loadOrCreateSecret(path.join(secretsDir, "salt-key")));
  // A file backend's folder must exist before the first `pulumi stack select`.
  if (config.backendUrl.startsWith("file://")) await mkdir(fileURLToPath(config.backendUrl), { recursive: true });
  const passphrase =
    config.passphrase ?? (config.backendUrl.startsWith("file://") ? await loadOrCreateSecret(path.join(secretsDir, "pulumi-passphrase")) : undefined);
  // The inline program runs in this process: keep its hash cache with the service's data.
  process.env.WFP_ASSETS_HASH_CACHE ??= path.join(config.dataDir, "hash-cache");

  const cli = await findPulumiCli(config.pulumiRoot, repoRoot);
  const cloudflare = await connectCloudflare(config, process.env);
  const redact = redactor([...cloudflare.secrets, saltSecret, passphrase, config.apiToken, process.env.CLOUDFLARE_API_TOKEN, process.env.CLOUDFLARE_API_KEY]);
  const log = (line: string): void => {
    process.stderr.write(`${new Date().toISOString()} ${redact(line)}\n`);
  };

  const stacks = new TenantStacks({
    pulumiCommand: cli.command,
    projectName: config.projectName,
    mainDir: serviceDir,
    pulumiHome: path.join(config.dataDir, "pulumi-home"),
    envVars: {
      PULUMI_BACKEND_URL: config.backendUrl,
      ...(passphrase !== undefined ? { PULUMI_CONFIG_PASSPHRASE: passphrase } : {}),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      // The engine starts the provider with the `node` it finds first: the one running this service.
      PATH: [cli.binDir, path.dirname(process.execPath), path.join(repoRoot, "node_modules", ".bin"), process.env.PATH ?? ""].join(path.delimiter),
      ...cloudflare.env,
    },
  });
  const scheduler = new TenantScheduler(config.maxConcurrentDeploys);
  const service = new TenantService({
    folders,
    stacks,
    scheduler,
    accountId: config.accountId,
    namespace: config.namespace,
    saltSecret,
    limits: { ...assetLimits, maxSiteBytes: config.maxSiteBytes },
    maxArchiveBytes: config.maxArchiveBytes,
    redact,
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
      log(`${signal} again: exiting now; a deploy still running leaves its stack locked (POST /tenants/<tenant>/unlock after the restart)`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: no new requests; waiting up to ${STOP_GRACE_MS / 1000} s for running deploys`);
    // Event streams of running deploys keep their connections until the deploy ends: wait for both, bounded.
    await Promise.race([Promise.all([app.close(), scheduler.idle()]), new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
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
