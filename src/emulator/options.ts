import { z } from "zod";
import type { LegacyKeyGrant, TokenGrant } from "./protocol/auth.js";
import { type FaultSpec, parseFaultSpec } from "./harness/faults.js";
import { ACCOUNT_PLANS, type AccountPlan } from "./model/file-limits.js";
import { CLOUDFLARE_RATE_LIMIT, type RateLimitConfig, parseRateLimitSpec } from "./protocol/rate-limit.js";

/** Options of `startEmulator` (all optional; see src/emulator/README.md). */
export interface EmulatorOptions {
  /** Default 0 = an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. A non-loopback host needs `allowRemote: true`. */
  host?: string;
  /** Where state persists. Default: a temporary directory removed on close. */
  dataDir?: string;
  /** Accepted API tokens, optionally restricted to accounts. Default: one generated token, persisted in the data dir. */
  tokens?: Array<string | { token: string; accounts?: string[] }>;
  /** Accepted legacy `X-Auth-Email` + `X-Auth-Key` pairs. */
  legacyKeys?: Array<{ email: string; key: string; accounts?: string[] }>;
  faults?: FaultSpec | string;
  /** Lifetime of upload and completion JWTs; default 3600. */
  jwtLifetimeSeconds?: number;
  /**
   * The plan of the accounts' account-level scripts, which decides how many files one of their versions may have:
   * "paid" (default) 100,000, "free" 20,000. Dispatch-namespace scripts are always on a paid plan: 100,000.
   */
  accountPlan?: AccountPlan;
  /** One cap on the manifest entries of every session, overriding the plans' limits (small numbers for tests). */
  maxFiles?: number;
  /** Max base64 bytes per bucket in session answers; default 50 MiB. */
  maxBucketBytes?: number;
  /** Max files per bucket in session answers; default 500. */
  maxBucketFiles?: number;
  /** Enable the per-file upload route and advertise it in upload JWTs (wrangler ≥ July 2026 then uses it). */
  perFileUploads?: boolean;
  /** Receives one line per request and every warning. Default: warnings only, to stderr. */
  log?: (line: string) => void;
  /** Permit a non-loopback `host`. The emulator has no TLS and its stats route needs no auth. */
  allowRemote?: boolean;
  /** Max request body in bytes (larger bodies get 413); default 100 MiB. */
  maxRequestBytes?: number;
  /**
   * Answer script PUTs with only what the schema requires (`{startup_time_ms}`), omitting id, etag, has_assets,
   * created_on, modified_on…, so a client proves it reads the script back when they are absent. Default false.
   */
  minimalPutAnswers?: boolean;
  /**
   * Enforce Cloudflare's API rate limit (protocol/rate-limit.ts). `true` = Cloudflare's numbers (1,200 calls per 300 s per
   * token, then a 300 s block); an object overrides some of them; a string uses the `--rate-limit` syntax.
   * Default off.
   */
  rateLimit?: boolean | string | Partial<RateLimitConfig>;
}

export interface EmulatorLimits {
  /** The account scripts' plan (model/file-limits.ts). */
  accountPlan: AccountPlan;
  /** The `maxFiles` option: undefined = the plans' limits. */
  maxFilesOverride: number | undefined;
  maxBucketBytes: number;
  maxBucketFiles: number;
  maxRequestBytes: number;
  /** Per-asset size limit (Cloudflare: 25 MiB). */
  maxAssetBytes: number;
  /** Max size of the metadata part of a script PUT. */
  maxMetadataBytes: number;
}

export interface EmulatorConfig {
  port: number;
  host: string;
  dataDir: string | undefined;
  tokens: TokenGrant[];
  legacyKeys: LegacyKeyGrant[];
  faults: FaultSpec | undefined;
  jwtLifetimeSeconds: number;
  limits: EmulatorLimits;
  perFileUploads: boolean;
  /** `edge_kv_upload_concurrency` advertised in per-file mode (wrangler's default). */
  perFileConcurrency: number;
  log: ((line: string) => void) | undefined;
  allowRemote: boolean;
  minimalPutAnswers: boolean;
  /** undefined = no rate limit. */
  rateLimit: RateLimitConfig | undefined;
}

const MiB = 1024 * 1024;
const accountId = z.string().regex(/^[0-9a-f]{32}$/, "account ids are 32 lowercase hex characters");
const accounts = z.array(accountId).optional();

const optionsSchema = z
  .object({
    port: z.number().int().min(0).max(65_535).optional(),
    host: z.string().min(1).optional(),
    dataDir: z.string().min(1).optional(),
    tokens: z.array(z.union([z.string().min(1), z.object({ token: z.string().min(1), accounts }).strict()])).optional(),
    legacyKeys: z.array(z.object({ email: z.string().min(1), key: z.string().min(1), accounts }).strict()).optional(),
    faults: z.unknown().optional(),
    jwtLifetimeSeconds: z.number().positive().max(7 * 86_400).optional(),
    accountPlan: z.enum(ACCOUNT_PLANS as [AccountPlan, ...AccountPlan[]]).optional(),
    maxFiles: z.number().int().positive().optional(),
    maxBucketBytes: z.number().int().positive().optional(),
    maxBucketFiles: z.number().int().positive().optional(),
    perFileUploads: z.boolean().optional(),
    log: z.custom<(line: string) => void>((v) => typeof v === "function", "log must be a function").optional(),
    allowRemote: z.boolean().optional(),
    maxRequestBytes: z.number().int().positive().optional(),
    minimalPutAnswers: z.boolean().optional(),
    rateLimit: z
      .union([
        z.boolean(),
        z.string(),
        z
          .object({
            requests: z.number().int().positive().optional(),
            windowSeconds: z.number().positive().optional(),
            blockSeconds: z.number().nonnegative().optional(),
            countUploads: z.boolean().optional(),
            perIpPerSecond: z.number().int().positive().optional(),
          })
          .strict(),
      ])
      .optional(),
  })
  .strict();

export class EmulatorOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmulatorOptionsError";
  }
}

export function resolveOptions(options: EmulatorOptions = {}): EmulatorConfig {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EmulatorOptionsError(`Invalid emulator option "${issue?.path.join(".") || "(options)"}": ${issue?.message ?? "invalid"}.`);
  }
  const o = parsed.data;
  const host = o.host ?? "127.0.0.1";
  if (!isLoopbackHost(host) && !o.allowRemote) {
    throw new EmulatorOptionsError(`Refusing to listen on non-loopback host "${host}": the emulator has no TLS and accepts its own tokens. Pass --allow-remote (allowRemote: true) if you really mean it.`);
  }
  return {
    port: o.port ?? 0,
    host,
    dataDir: o.dataDir,
    tokens: (o.tokens ?? []).map((t) => (typeof t === "string" ? { token: t } : t)),
    legacyKeys: o.legacyKeys ?? [],
    faults: o.faults === undefined ? undefined : parseFaultSpec(o.faults as FaultSpec | string),
    jwtLifetimeSeconds: o.jwtLifetimeSeconds ?? 3600,
    limits: {
      accountPlan: o.accountPlan ?? "paid",
      maxFilesOverride: o.maxFiles,
      maxBucketBytes: o.maxBucketBytes ?? 50 * MiB,
      maxBucketFiles: o.maxBucketFiles ?? 500,
      maxRequestBytes: o.maxRequestBytes ?? 100 * MiB,
      maxAssetBytes: 25 * MiB,
      maxMetadataBytes: 1 * MiB,
    },
    perFileUploads: o.perFileUploads ?? false,
    perFileConcurrency: 50,
    log: o.log,
    allowRemote: o.allowRemote ?? false,
    minimalPutAnswers: o.minimalPutAnswers ?? false,
    rateLimit: resolveRateLimit(o.rateLimit),
  };
}

function resolveRateLimit(value: boolean | string | Partial<RateLimitConfig> | undefined): RateLimitConfig | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { ...CLOUDFLARE_RATE_LIMIT };
  let partial: Partial<RateLimitConfig> | undefined;
  if (typeof value === "string") {
    try {
      partial = parseRateLimitSpec(value);
    } catch (err) {
      throw new EmulatorOptionsError(`Invalid emulator option "rateLimit": ${(err as Error).message}`);
    }
    if (partial === undefined) return undefined;
  } else {
    partial = value;
  }
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  return { ...CLOUDFLARE_RATE_LIMIT, ...defined };
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  return isLoopbackHost(address.replace(/^::ffff:/, ""));
}
