/**
 * Every transport knob in one place: timeouts, retries, upload concurrency, the API request budget and how long a
 * rate limit (429) is waited out. Read from an object (stack config or CLI flags, mapped by the caller) and from
 * WFP_ASSETS_* environment variables; the object wins, then the environment, then the documented default.
 * Pure: the caller passes the environment.
 */
import { z } from "zod";
import { CloudflareConfigError } from "./config.js";
import path from "node:path";
import { defaultLedgerDir } from "./budget/ledger.js";
import { parseDurationMs } from "./durations.js";

/** Part of the budget left unused, for the dashboard, wrangler or a colleague on the same token. */
export type BudgetReserve = { calls: number } | { percent: number };

export interface BudgetSettings {
  /** Calls allowed in any `windowMs` (Cloudflare: 1,200 per 5 minutes per user/token, docs/cloudflare-api.md §15.1). */
  limit: number;
  windowMs: number;
  reserve: BudgetReserve;
  /** Calls allowed in any second; undefined = no per-second pacing (Cloudflare: 200/s per IP). */
  perSecond: number | undefined;
  /** Whether upload calls authenticated by the session JWT count against the budget (undocumented; assume yes). */
  countUploadCalls: boolean;
  /** Where processes on one token record their calls, to pace as one (src/cloudflare/budget/ledger.ts); unset = alone. */
  shareDir?: string;
}

export interface RetrySettings {
  /** Total tries of a request, the first included; 429s and the first 4 gateway timeouts (524) are not counted. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Extra wait after a 524, doubled per 524 of the same request (wrangler: 5 s, 10 s, 20 s, …). */
  gatewayDelayMs: number;
}

export interface TransportSettings {
  /** A request fails when no byte is sent or received for this long. */
  idleTimeoutMs: number;
  /** Cap on a whole request (one attempt), however busy; undefined = none. */
  requestTimeoutMs: number | undefined;
  retry: RetrySettings;
  /** Bulk upload requests (buckets) in flight per deploy. */
  uploadConcurrency: number;
  /** undefined = no pacing (429s are still waited out). */
  budget: BudgetSettings | undefined;
  /** Longest a request waits out rate limiting (429 / Retry-After) in total before failing. */
  rateLimitMaxWaitMs: number;
}

/** A setting with an unusable value: names the setting (key or variable), the value and the accepted form. */
export class TransportSettingError extends CloudflareConfigError {
  readonly value: unknown;
  readonly accepted: string;
  constructor(setting: string, value: unknown, accepted: string) {
    super(setting, `${setting} must be ${accepted} (got ${JSON.stringify(value)}).`);
    this.name = "TransportSettingError";
    this.value = value;
    this.accepted = accepted;
  }
}

const text = z.union([z.string(), z.number()]);
const OFF = /^\s*(off|none|false|0)\s*$/i;

function refine<T>(parse: (raw: string | number | boolean) => T | undefined) {
  return z.union([text, z.boolean()]).transform((raw, ctx) => {
    const value = parse(raw);
    if (value === undefined) {
      ctx.addIssue({ code: "custom", message: "invalid" });
      return z.NEVER;
    }
    return value;
  });
}

const asText = (raw: string | number | boolean): string | number | undefined => (typeof raw === "boolean" ? undefined : raw);

function duration(min: number): (raw: string | number | boolean) => number | undefined {
  return (raw) => {
    const t = asText(raw);
    const ms = t === undefined ? undefined : parseDurationMs(t);
    return ms !== undefined && ms >= min ? ms : undefined;
  };
}

function integer(min: number, max: number): (raw: string | number | boolean) => number | undefined {
  return (raw) => {
    const t = asText(raw);
    if (t === undefined) return undefined;
    const n = typeof t === "number" ? t : /^\s*\d+\s*$/.test(t) ? Number(t) : NaN;
    return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
  };
}

function offOr<T>(parse: (raw: string | number | boolean) => T | undefined): (raw: string | number | boolean) => T | null | undefined {
  return (raw) => (raw === false || (typeof raw === "string" && OFF.test(raw)) ? null : parse(raw));
}

function budget(raw: string | number | boolean): { limit: number; windowMs: number } | undefined {
  if (typeof raw !== "string") return undefined;
  const match = /^\s*(\d+)\s*\/\s*(.+)$/.exec(raw);
  if (!match) return undefined;
  const limit = Number(match[1]);
  const windowMs = parseDurationMs(match[2]!);
  if (!Number.isInteger(limit) || limit < 1 || windowMs === undefined || windowMs < 1) return undefined;
  return { limit, windowMs };
}

function reserve(raw: string | number | boolean): BudgetReserve | undefined {
  const t = asText(raw);
  if (t === undefined) return undefined;
  const percent = typeof t === "string" ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(t) : null;
  if (percent) {
    const p = Number(percent[1]);
    return p < 100 ? { percent: p } : undefined;
  }
  const calls = integer(0, Number.MAX_SAFE_INTEGER)(t);
  return calls === undefined ? undefined : { calls };
}

function flag(raw: string | number | boolean): boolean | undefined {
  if (typeof raw === "boolean") return raw;
  const t = String(raw).trim().toLowerCase();
  if (["true", "yes", "on", "1"].includes(t)) return true;
  if (["false", "no", "off", "0"].includes(t)) return false;
  return undefined;
}

interface SettingSpec<T> {
  env: string;
  /** The default, written the way a user would set it. */
  default: string;
  accepted: string;
  schema: z.ZodType<T, unknown>;
}

const DURATION = "a duration such as 90s, 5m or 1500ms (a bare number is seconds)";

/**
 * The settings' names. Spelled out rather than `keyof typeof TRANSPORT_SETTINGS` so that the public declarations
 * naming them (the provider engine's config) do not carry the zod schemas below; the `satisfies` on
 * TRANSPORT_SETTINGS fails `tsc` when a setting is missing here or not listed here.
 */
export type TransportSettingKey =
  | "idleTimeout"
  | "requestTimeout"
  | "retryAttempts"
  | "retryDelay"
  | "retryMaxDelay"
  | "gatewayDelay"
  | "uploadConcurrency"
  | "apiBudget"
  | "apiBudgetReserve"
  | "apiPerSecond"
  | "countUploadCalls"
  | "apiBudgetShare"
  | "rateLimitWait";

/** The settings, their environment variables, defaults and accepted forms (README and error messages use these). */
export const TRANSPORT_SETTINGS = {
  idleTimeout: {
    env: "WFP_ASSETS_IDLE_TIMEOUT",
    // Longer than Cloudflare's own 100 s edge timeout, so a struggling API answers 524 (which we handle) before we give up.
    default: "120s",
    accepted: `${DURATION}, at least 1ms`,
    schema: refine(duration(1)),
  },
  requestTimeout: {
    env: "WFP_ASSETS_REQUEST_TIMEOUT",
    default: "off",
    accepted: `"off" or ${DURATION}`,
    schema: refine(offOr(duration(1))),
  },
  retryAttempts: {
    env: "WFP_ASSETS_RETRY_ATTEMPTS",
    default: "5",
    accepted: "a whole number of tries from 1 to 20 (the first try included)",
    schema: refine(integer(1, 20)),
  },
  retryDelay: { env: "WFP_ASSETS_RETRY_DELAY", default: "500ms", accepted: DURATION, schema: refine(duration(0)) },
  retryMaxDelay: { env: "WFP_ASSETS_RETRY_MAX_DELAY", default: "15s", accepted: DURATION, schema: refine(duration(0)) },
  gatewayDelay: { env: "WFP_ASSETS_GATEWAY_DELAY", default: "5s", accepted: DURATION, schema: refine(duration(0)) },
  uploadConcurrency: {
    env: "WFP_ASSETS_UPLOAD_CONCURRENCY",
    default: "3",
    accepted: "a whole number from 1 to 50",
    schema: refine(integer(1, 50)),
  },
  apiBudget: {
    env: "WFP_ASSETS_API_BUDGET",
    default: "1200/300",
    accepted: '"off" or <calls>/<window>, e.g. 1200/300 (window in seconds) or 1200/5m',
    schema: refine(offOr(budget)),
  },
  apiBudgetReserve: {
    env: "WFP_ASSETS_API_BUDGET_RESERVE",
    default: "5%",
    accepted: "a number of calls (e.g. 60) or a percentage of the limit below 100 (e.g. 5%)",
    schema: refine(reserve),
  },
  apiPerSecond: {
    env: "WFP_ASSETS_API_PER_SECOND",
    // Half of Cloudflare's 200 per second per IP: other processes behind the same address share that one.
    default: "100",
    accepted: '"off" or a whole number of calls per second from 1 to 10000',
    schema: refine(offOr(integer(1, 10_000))),
  },
  countUploadCalls: {
    env: "WFP_ASSETS_COUNT_UPLOAD_CALLS",
    default: "true",
    accepted: "true or false",
    schema: refine(flag),
  },
  apiBudgetShare: {
    env: "WFP_ASSETS_API_BUDGET_SHARE",
    // Processes on one token at the same time pace as one (src/cloudflare/budget/ledger.ts). Off by default: one
    // process (a whole stack) needs no file under the user's home, and a run after it learns what is left from the
    // server's Ratelimit header; parallel stacks on one token, and the platform service, switch it on.
    default: "off",
    accepted: '"on" (a folder in the cache), "off", or the folder where processes on one token record their calls',
    schema: refine((raw) => {
      if (typeof raw === "boolean") return raw ? "default" : null;
      const text = asText(raw);
      if (typeof text !== "string" || text.trim() === "") return undefined;
      if (OFF.test(text)) return null;
      return /^\s*on\s*$/i.test(text) ? "default" : text.trim();
    }),
  },
  rateLimitWait: {
    env: "WFP_ASSETS_RATE_LIMIT_WAIT",
    // Cloudflare blocks every call for five minutes once the budget is exceeded; six rides out one block.
    default: "6m",
    accepted: `${DURATION}; 0 fails at the first 429`,
    schema: refine(duration(0)),
  },
} satisfies Record<TransportSettingKey, SettingSpec<unknown>>;

const inputValue = z.union([z.string(), z.number(), z.boolean()]).optional();

/** What stack config or CLI flags provide: the same text forms as the variables; numbers and booleans also accepted. */
export const transportSettingsInputSchema = z.strictObject({
  idleTimeout: inputValue,
  requestTimeout: inputValue,
  retryAttempts: inputValue,
  retryDelay: inputValue,
  retryMaxDelay: inputValue,
  gatewayDelay: inputValue,
  uploadConcurrency: inputValue,
  apiBudget: inputValue,
  apiBudgetReserve: inputValue,
  apiPerSecond: inputValue,
  countUploadCalls: inputValue,
  apiBudgetShare: inputValue,
  rateLimitWait: inputValue,
} satisfies Record<TransportSettingKey, typeof inputValue>);

export type TransportSettingsInput = Partial<Record<TransportSettingKey, string | number | boolean>>;

/** "`rateLimitWait` (WFP_ASSETS_RATE_LIMIT_WAIT)": how messages point at a setting to change. */
export function describeSetting(key: TransportSettingKey): string {
  return `\`${key}\` (${TRANSPORT_SETTINGS[key].env})`;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === "string" && value.trim() === "");
}

/**
 * Resolves every setting: `input[key]` if set, else the environment variable, else the default.
 * Throws TransportSettingError (a CloudflareConfigError) naming the first bad setting, its value and the accepted form.
 */
export function resolveTransportSettings(options: { input?: TransportSettingsInput; env?: NodeJS.ProcessEnv } = {}): TransportSettings {
  const env = options.env ?? process.env;
  const shape = transportSettingsInputSchema.safeParse(options.input ?? {});
  if (!shape.success) {
    const issue = shape.error.issues[0]!;
    const key = String(issue.code === "unrecognized_keys" ? issue.keys[0] : issue.path.map(String).join("."));
    if (issue.code === "unrecognized_keys") {
      throw new CloudflareConfigError(
        key,
        `Unknown transport setting \`${key}\`; known settings: ${Object.keys(TRANSPORT_SETTINGS).join(", ")}.`,
      );
    }
    const spec = TRANSPORT_SETTINGS[key as TransportSettingKey];
    throw new TransportSettingError(`\`${key}\``, (options.input as Record<string, unknown>)[key], spec?.accepted ?? "a string or number");
  }
  const input: TransportSettingsInput = shape.data;

  const read = <K extends TransportSettingKey>(key: K): z.output<(typeof TRANSPORT_SETTINGS)[K]["schema"]> => {
    const spec = TRANSPORT_SETTINGS[key];
    const fromInput = input[key];
    const fromEnv = env[spec.env];
    const [raw, setting] = present(fromInput)
      ? [fromInput!, `\`${key}\``]
      : present(fromEnv)
        ? [fromEnv!.trim(), spec.env]
        : [spec.default, `the default of \`${key}\``];
    const parsed = (spec.schema as z.ZodType<unknown, unknown>).safeParse(raw);
    if (!parsed.success) throw new TransportSettingError(setting, raw, spec.accepted);
    return parsed.data as z.output<(typeof TRANSPORT_SETTINGS)[K]["schema"]>;
  };

  // Every setting is read (and so checked), including those that the others switch off.
  const idleTimeoutMs = read("idleTimeout");
  const requestTimeoutMs = read("requestTimeout") ?? undefined;
  const retry: RetrySettings = {
    maxAttempts: read("retryAttempts"),
    baseDelayMs: read("retryDelay"),
    maxDelayMs: read("retryMaxDelay"),
    gatewayDelayMs: read("gatewayDelay"),
  };
  const uploadConcurrency = read("uploadConcurrency");
  const apiBudget = read("apiBudget");
  const reserveValue = read("apiBudgetReserve");
  const perSecond = read("apiPerSecond") ?? undefined;
  const countUploadCalls = read("countUploadCalls");
  const share = read("apiBudgetShare");
  const shareDir = share === null ? undefined : share === "default" ? defaultLedgerDir(env) : path.resolve(share);
  const rateLimitMaxWaitMs = read("rateLimitWait");
  if (apiBudget !== null && "calls" in reserveValue && reserveValue.calls >= apiBudget.limit) {
    throw new TransportSettingError(
      present(input.apiBudgetReserve) ? "`apiBudgetReserve`" : TRANSPORT_SETTINGS.apiBudgetReserve.env,
      reserveValue.calls,
      `fewer calls than the budget's limit (${apiBudget.limit}), or a percentage`,
    );
  }
  return {
    idleTimeoutMs,
    requestTimeoutMs,
    retry,
    uploadConcurrency,
    budget: apiBudget === null ? undefined : { ...apiBudget, reserve: reserveValue, perSecond, countUploadCalls, ...(shareDir ? { shareDir } : {}) },
    rateLimitMaxWaitMs,
  };
}

/** The defaults, resolved (no environment). */
export function defaultTransportSettings(): TransportSettings {
  return resolveTransportSettings({ env: {} });
}

/** Calls kept free of a window of `limit` calls: a share (rounded down) or a count, always leaving at least one usable. */
export function reservedCalls(reserve: BudgetReserve, limit: number): number {
  const calls = "percent" in reserve ? Math.floor((limit * reserve.percent) / 100) : reserve.calls;
  return Math.max(0, Math.min(calls, limit - 1));
}
