/**
 * The service's settings, from its own environment only (never from a request). Pure: `parseConfig(env)`.
 * Every variable is documented in the README's "Configuration" table.
 */
import path from "node:path";
import { z } from "zod";
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from "./http/limits.ts";
import { BackendUrlError, backendUrlProblem, postgresBackendUrl } from "./pulumi-backend.ts";
import { accountIdSchema, assetLimits, namespaceNameSchema } from "./wfp.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** The account the emulator accepts for any token: any 32-hex id exists there. */
export const EMULATOR_ACCOUNT_ID = "0123456789abcdef0123456789abcdef";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export type CloudflareTarget =
  /** No API base URL configured: the service starts the local emulator itself. */
  | { kind: "emulator"; port: number }
  | { kind: "api"; baseUrl: string };

export interface ServiceConfig {
  host: string;
  port: number;
  dataDir: string;
  accountId: string;
  namespace: string;
  cloudflare: CloudflareTarget;
  /**
   * Pulumi backend: PULUMI_BACKEND_URL; else with DATABASE_URL the CLI's Postgres backend in that database; else a
   * file backend in the data directory (pulumi-backend.ts).
   */
  backendUrl: string;
  /** From PULUMI_CONFIG_PASSPHRASE, or undefined: then one is generated into the data directory. */
  passphrase: string | undefined;
  /** Directory holding bin/pulumi; undefined = ask scripts/pulumi.mjs for the pinned CLI. */
  pulumiRoot: string | undefined;
  projectName: string;
  /** Jobs this replica runs at once; 0 = it only takes requests (other replicas deploy). */
  maxConcurrentDeploys: number;
  maxArchiveBytes: number;
  maxSiteBytes: number;
  /** Files per site: Cloudflare's per-version limit, or fewer if the platform says so. */
  maxFiles: number;
  /** From PLATFORM_SALT_SECRET, or undefined: then one is generated into the data directory. */
  saltSecret: string | undefined;
  /** Bearer token the HTTP API requires; undefined = no authentication (loopback use). */
  apiToken: string | undefined;
  /** Public URL of a tenant's site with `{tenant}` in it; for the emulator the service knows its own. */
  siteUrlTemplate: string | undefined;
  /** Bounds on slow and long-lived requests (http/app.ts, README "Attack surface"). */
  http: HttpLimits;
  /** The coordinating Postgres; undefined = an embedded one in the data directory (single machine). */
  databaseUrl: string | undefined;
  /** How long a replica's lease lasts without a heartbeat before others take over its jobs. */
  leaseMs: number;
}

function wholeNumber(name: string, min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, { error: `${name} must be a whole number` })
    .transform(Number)
    .pipe(z.number().min(min, { error: `${name} must be at least ${min}` }).max(max, { error: `${name} must be at most ${max}` }));
}

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value));

const envSchema = z.object({
  PLATFORM_HOST: z.string().min(1).default("127.0.0.1"),
  PLATFORM_PORT: wholeNumber("PLATFORM_PORT", 0, 65535).default(8788),
  PLATFORM_DATA_DIR: optionalText,
  PLATFORM_NAMESPACE: namespaceNameSchema.default("tenants"),
  PLATFORM_PROJECT: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}$/, { error: "PLATFORM_PROJECT must be a Pulumi project name (letters, digits, _ . -)" })
    .default("wfp-tenants"),
  PLATFORM_EMULATOR_PORT: wholeNumber("PLATFORM_EMULATOR_PORT", 0, 65535).default(8787),
  PLATFORM_MAX_CONCURRENT_DEPLOYS: wholeNumber("PLATFORM_MAX_CONCURRENT_DEPLOYS", 0, 64).default(4),
  PLATFORM_LEASE_SECONDS: wholeNumber("PLATFORM_LEASE_SECONDS", 2, 3600).default(30),
  DATABASE_URL: optionalText.pipe(
    z.string().regex(/^postgres(ql)?:\/\//, { error: "DATABASE_URL must be a Postgres URL, e.g. postgres://user:password@db.internal:5432/platform" }).optional(),
  ),
  PLATFORM_MAX_ARCHIVE_BYTES: wholeNumber("PLATFORM_MAX_ARCHIVE_BYTES", 1024, 64 * GiB).default(256 * MiB),
  PLATFORM_MAX_SITE_BYTES: wholeNumber("PLATFORM_MAX_SITE_BYTES", 1024, 1024 * GiB).default(GiB),
  PLATFORM_MAX_FILES: wholeNumber("PLATFORM_MAX_FILES", 1, assetLimits.maxFiles).default(assetLimits.maxFiles),
  PLATFORM_SALT_SECRET: optionalText.pipe(
    z.string().min(16, { error: "PLATFORM_SALT_SECRET must be at least 16 characters (it keys every tenant's hash salt)" }).optional(),
  ),
  PLATFORM_API_TOKEN: optionalText.pipe(
    z.string().min(16, { error: "PLATFORM_API_TOKEN must be at least 16 characters" }).optional(),
  ),
  PLATFORM_SITE_URL: optionalText.pipe(
    z.string().includes("{tenant}", { error: "PLATFORM_SITE_URL must contain {tenant}, e.g. https://{tenant}.sites.example.com/" }).optional(),
  ),
  PLATFORM_PULUMI_ROOT: optionalText,
  PLATFORM_MAX_CONCURRENT_UPLOADS: wholeNumber("PLATFORM_MAX_CONCURRENT_UPLOADS", 1, 10_000).default(DEFAULT_HTTP_LIMITS.uploads.total),
  PLATFORM_MAX_EVENT_STREAMS: wholeNumber("PLATFORM_MAX_EVENT_STREAMS", 1, 1_000_000).default(DEFAULT_HTTP_LIMITS.streams.total),
  PLATFORM_IDLE_TIMEOUT_SECONDS: wholeNumber("PLATFORM_IDLE_TIMEOUT_SECONDS", 1, 3600).default(DEFAULT_HTTP_LIMITS.idleTimeoutMs / 1000),
  PLATFORM_UPLOAD_TIMEOUT_SECONDS: wholeNumber("PLATFORM_UPLOAD_TIMEOUT_SECONDS", 10, 24 * 3600).default(DEFAULT_HTTP_LIMITS.requestTimeoutMs / 1000),
  CLOUDFLARE_API_BASE_URL: optionalText.pipe(z.url({ error: "CLOUDFLARE_API_BASE_URL must be a URL such as https://api.cloudflare.com/client/v4" }).optional()),
  CF_API_BASE_URL: optionalText.pipe(z.url({ error: "CF_API_BASE_URL must be a URL" }).optional()),
  CLOUDFLARE_ACCOUNT_ID: optionalText.pipe(accountIdSchema.optional()),
  CLOUDFLARE_API_TOKEN: optionalText,
  CLOUDFLARE_API_KEY: optionalText,
  CLOUDFLARE_EMAIL: optionalText,
  PULUMI_BACKEND_URL: optionalText.pipe(
    z
      .string()
      .superRefine((value, context) => {
        const problem = backendUrlProblem(value);
        if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
      })
      .optional(),
  ),
  PULUMI_CONFIG_PASSPHRASE: optionalText,
});

/** Addresses only this machine can reach: the only ones the service may listen on without a token. */
function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Reads the environment. With no Cloudflare API base URL the service runs against its own emulator (any
 * account id works there); with one, an account id and credentials are required, since a real deploy
 * would fail without them only after the tenant's upload.
 */
export function parseConfig(env: Record<string, string | undefined>, serviceDir: string): ServiceConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const v = parsed.data;
  if (v.PLATFORM_API_TOKEN === undefined && !isLoopback(v.PLATFORM_HOST)) {
    throw new ConfigError(
      `PLATFORM_HOST is ${v.PLATFORM_HOST}, reachable from other machines, and PLATFORM_API_TOKEN is not set: anyone could replace or delete ` +
        "any tenant's site. Set PLATFORM_API_TOKEN (e.g. `openssl rand -hex 24`), or listen on 127.0.0.1.",
    );
  }
  const dataDir = path.resolve(v.PLATFORM_DATA_DIR ?? path.join(serviceDir, ".data"));
  const baseUrl = v.CLOUDFLARE_API_BASE_URL ?? v.CF_API_BASE_URL;
  let cloudflare: CloudflareTarget;
  let accountId: string;
  if (baseUrl === undefined) {
    cloudflare = { kind: "emulator", port: v.PLATFORM_EMULATOR_PORT };
    accountId = v.CLOUDFLARE_ACCOUNT_ID ?? EMULATOR_ACCOUNT_ID;
  } else {
    if (v.CLOUDFLARE_ACCOUNT_ID === undefined) {
      throw new ConfigError("CLOUDFLARE_API_BASE_URL is set, so CLOUDFLARE_ACCOUNT_ID is required (the 32-hex id of the account that owns the dispatch namespace).");
    }
    if (v.CLOUDFLARE_API_TOKEN === undefined && (v.CLOUDFLARE_API_KEY === undefined || v.CLOUDFLARE_EMAIL === undefined)) {
      throw new ConfigError(
        "CLOUDFLARE_API_BASE_URL is set, so credentials are required: CLOUDFLARE_API_TOKEN (Workers Scripts:Edit), or CLOUDFLARE_API_KEY with CLOUDFLARE_EMAIL.",
      );
    }
    cloudflare = { kind: "api", baseUrl: baseUrl.replace(/\/+$/, "") };
    accountId = v.CLOUDFLARE_ACCOUNT_ID;
  }
  let backendUrl = v.PULUMI_BACKEND_URL ?? `file://${path.join(dataDir, "state")}`;
  if (v.PULUMI_BACKEND_URL === undefined && v.DATABASE_URL !== undefined) {
    try {
      backendUrl = postgresBackendUrl(v.DATABASE_URL, env);
    } catch (error) {
      if (error instanceof BackendUrlError) throw new ConfigError(error.message);
      throw error;
    }
  }
  return {
    host: v.PLATFORM_HOST,
    port: v.PLATFORM_PORT,
    dataDir,
    accountId,
    namespace: v.PLATFORM_NAMESPACE,
    cloudflare,
    backendUrl,
    passphrase: v.PULUMI_CONFIG_PASSPHRASE,
    pulumiRoot: v.PLATFORM_PULUMI_ROOT === undefined ? undefined : path.resolve(v.PLATFORM_PULUMI_ROOT),
    projectName: v.PLATFORM_PROJECT,
    maxConcurrentDeploys: v.PLATFORM_MAX_CONCURRENT_DEPLOYS,
    maxArchiveBytes: v.PLATFORM_MAX_ARCHIVE_BYTES,
    maxSiteBytes: v.PLATFORM_MAX_SITE_BYTES,
    maxFiles: v.PLATFORM_MAX_FILES,
    saltSecret: v.PLATFORM_SALT_SECRET,
    apiToken: v.PLATFORM_API_TOKEN,
    siteUrlTemplate: v.PLATFORM_SITE_URL,
    databaseUrl: v.DATABASE_URL,
    leaseMs: v.PLATFORM_LEASE_SECONDS * 1000,
    http: {
      ...DEFAULT_HTTP_LIMITS,
      idleTimeoutMs: v.PLATFORM_IDLE_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: v.PLATFORM_UPLOAD_TIMEOUT_SECONDS * 1000,
      uploads: { ...DEFAULT_HTTP_LIMITS.uploads, total: v.PLATFORM_MAX_CONCURRENT_UPLOADS },
      streams: { ...DEFAULT_HTTP_LIMITS.streams, total: v.PLATFORM_MAX_EVENT_STREAMS },
    },
  };
}
