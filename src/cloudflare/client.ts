/**
 * HTTP client for the Cloudflare v4 API: keep-alive connections, auth headers, envelope parsing, retries, the
 * idle timeout (exchange.ts) and the API budget shared by the whole process (request-budget.ts, budget-registry.ts),
 * including waiting out a 429. Everything protocol-specific (paths, result shapes) lives elsewhere.
 */
import { Agent, type FormData } from "undici";
import type { z } from "zod";
import { budgetKey, sharedBudget } from "./budget-registry.js";
import { assertHeaderSafe, CloudflareConfigError, MissingCredentialsError, normalizeBaseUrl, resolveBaseUrl, resolveCredentials, type Credentials } from "./config.js";
import { formatWait } from "./durations.js";
import { interpretResponse, formatSeconds, type AttemptFailure, type ResponseOutcome } from "./envelope.js";
import { CloudflareApiError, type ApiErrorKind } from "./errors.js";
import { exchange, ExchangeTimeoutError, type Exchanged } from "./exchange.js";
import { redactSecrets } from "./redact.js";
import { RateLimitWaitExceeded, type ApiBudget, type BudgetPermit, type BudgetWait } from "./request-budget.js";
import { currentRequestObserver } from "./request-scope.js";
import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  GATEWAY_TIMEOUT_STATUS,
  gatewayDelayMs,
  isRetryableNetworkCode,
  resolveRetryPolicy,
  type RetryPolicy,
} from "./retry-policy.js";
import { describeSetting, resolveTransportSettings, type TransportSettings } from "./transport-settings.js";

export interface RetryEvent {
  method: string;
  path: string;
  /** The attempt that failed, 1-based. */
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  /** e.g. "HTTP 503", "HTTP 429 (Retry-After 2s)", "timeout after 60s", "ECONNRESET". */
  reason: string;
  status?: number;
  /** What failed: "timeout" = no bytes moved for the idle timeout (or the request cap passed). */
  kind: ApiErrorKind;
  /**
   * False when this retry does not use up an attempt: a 429 (the whole budget waits it out instead) and a
   * request's first gateway timeouts (524, see RetryPolicy.freeGatewayRetries).
   */
  counted: boolean;
}

export interface ClientOptions {
  /** Full API prefix incl. `/client/v4`. Default: CLOUDFLARE_API_BASE_URL / CF_API_BASE_URL from `env`, else DEFAULT_BASE_URL. */
  baseUrl?: string;
  /** Default: resolved from `env` (CLOUDFLARE_API_TOKEN, or CLOUDFLARE_API_KEY + CLOUDFLARE_EMAIL) on first use. */
  credentials?: Credentials;
  /**
   * Timeouts, retries, upload concurrency, the API budget and the 429 wait bound, resolved by
   * resolveTransportSettings. Default: resolved from `env` (WFP_ASSETS_* variables) and the defaults.
   */
  transport?: TransportSettings;
  /**
   * The budget this client's calls are paced by. Default: the process-wide budget of this API origin and
   * credential (budget-registry.ts), configured with `transport.budget`. A worker thread's client passes the parent
   * thread's budget through a MessagePort here (src/deploy/budget-bridge.ts).
   */
  budget?: ApiBudget;
  /** Overrides `transport.idleTimeoutMs`: a request fails when no bytes move for this long. */
  idleTimeoutMs?: number;
  /** @deprecated Same as idleTimeoutMs (it was a whole-request deadline before the idle timeout replaced it). */
  timeoutMs?: number;
  /** Overrides the retry settings of `transport` (layered: defaults ← transport.retry ← this ← the request's). */
  retry?: Partial<RetryPolicy>;
  onRetry?: (event: RetryEvent) => void;
  /**
   * Told when a request waits for the API budget, once per wait. A request's own `onBudgetWait`, or the observer of
   * an enclosing withRequestObserver scope (deployAssets sets one), replaces it.
   */
  onBudgetWait?: (wait: BudgetWait) => void;
  userAgent?: string;
  /** Max sockets to the API origin. Default 8. */
  connections?: number;
  /** Where defaults are read from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Everything a client on another thread needs to send the same requests as this one (src/deploy/deploy-thread.ts),
 * as plain data that crosses a postMessage. It holds the API credentials: hand it to a thread, never to a log. The
 * client's own onRetry/onBudgetWait callbacks cannot cross; the budget is the caller's to bridge.
 */
export interface ClientThreadOptions {
  baseUrl: string;
  credentials: Credentials;
  transport: TransportSettings;
  idleTimeoutMs: number;
  retry: Partial<RetryPolicy> | undefined;
  userAgent: string;
  connections: number;
}

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface ApiRequest<T> {
  method: HttpMethod;
  /** Resource path without the base URL, e.g. "/accounts/abc/workers/scripts/x"; may carry a query string. */
  path: string;
  query?: Record<string, string | undefined>;
  json?: unknown;
  /** Called once per attempt: a FormData body is a one-shot stream and cannot be replayed. */
  form?: () => FormData;
  /** "api" (default) sends the API credentials; `{ bearer }` sends only that token (the upload JWT). */
  auth?: "api" | { bearer: string };
  schema: z.ZodType<T>;
  /** Accept `result: null` / an empty 204 even if `schema` does not; `result` is then null. */
  allowNullResult?: boolean;
  retry?: Partial<RetryPolicy> | false;
  /** Overrides the client's idle timeout for this request. */
  idleTimeoutMs?: number;
  /** @deprecated Same as idleTimeoutMs. */
  timeoutMs?: number;
  /** Overrides the client's cap on one whole attempt (undefined = the client's, which is off by default). */
  requestTimeoutMs?: number;
  /** Cancels the request (and any pending retry or budget wait); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Replaces the client's onRetry for this request. */
  onRetry?: (event: RetryEvent) => void;
  /** Replaces the client's (and the enclosing scope's) onBudgetWait for this request. */
  onBudgetWait?: (wait: BudgetWait) => void;
  /** Extra request headers; cannot override the auth headers. */
  headers?: Record<string, string>;
}

export interface ApiResponse<T> {
  status: number;
  result: T;
  headers: Record<string, string>;
  resultInfo?: unknown;
}

const DEFAULT_CONNECTIONS = 8;
/** "If you exceed this limit, all API calls for the next five minutes will be blocked" (docs/cloudflare-api.md §15.1): a 429 without Retry-After. */
export const RATE_LIMIT_BLOCK_MS = 5 * 60_000;
/**
 * A server that answered 429 with `Retry-After: 0` forever would otherwise be retried forever: a request gives up
 * after this many rate-limited answers even when the waits were short.
 */
const MAX_RATE_LIMITED_RETRIES = 20;
const DEFAULT_USER_AGENT = "pulumi-wfp-assets";

type CredentialSource = { credentials: Credentials } | { error: Error };

/** undici's own codes read poorly in a progress line; OS codes (ECONNRESET…) are already familiar. */
const NETWORK_CODE_WORDS: Record<string, string> = {
  UND_ERR_SOCKET: "socket closed",
  UND_ERR_CONNECT_TIMEOUT: "connect timeout",
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "truncated response",
};

/** Why the request failed at the transport level: the code for retry decisions, a short reason for progress lines. */
function describeNetworkError(error: unknown): { code: string | undefined; reason: string; text: string } {
  const err = error as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code = typeof err?.code === "string" ? err.code : typeof err?.cause?.code === "string" ? err.cause.code : undefined;
  const text = typeof err?.message === "string" ? err.message : String(error);
  const words = code !== undefined ? NETWORK_CODE_WORDS[code] : undefined;
  return { code, reason: words !== undefined ? `${words} (${code})` : (code ?? text), text };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export class CloudflareClient {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly pathPrefix: string;
  private readonly credentialSource: CredentialSource;
  /** The resolved transport settings (deployAssets reads its upload concurrency here). */
  readonly settings: TransportSettings;
  /** The budget pacing this client's calls (shared with every client of the same origin and credential by default). */
  readonly budget: ApiBudget;
  private readonly idleTimeoutMs: number;
  private readonly requestTimeoutMs: number | undefined;
  private readonly basePolicy: RetryPolicy;
  private readonly retry: Partial<RetryPolicy> | undefined;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;
  private readonly onBudgetWait: ((wait: BudgetWait) => void) | undefined;
  private readonly userAgent: string;
  private readonly connections: number;
  // Created per instance, never at module level: Pulumi serializes provider closures, and a live
  // socket pool captured from module scope cannot be serialized.
  private readonly agent: Agent;
  private closed = false;

  constructor(options: ClientOptions = {}) {
    const env = options.env ?? process.env;
    this.baseUrl = options.baseUrl !== undefined ? normalizeBaseUrl(options.baseUrl, "the baseUrl option") : resolveBaseUrl(env);
    const url = new URL(this.baseUrl);
    this.origin = url.origin;
    this.pathPrefix = url.pathname === "/" ? "" : url.pathname;

    this.credentialSource = CloudflareClient.credentialSourceFrom(options.credentials, env);
    this.settings = options.transport ?? resolveTransportSettings({ env });
    this.idleTimeoutMs = CloudflareClient.positive(options.idleTimeoutMs ?? options.timeoutMs, this.settings.idleTimeoutMs, "idleTimeoutMs");
    this.requestTimeoutMs = this.settings.requestTimeoutMs;
    this.basePolicy = { ...DEFAULT_RETRY_POLICY, ...this.settings.retry };
    resolveRetryPolicy(options.retry, undefined, this.basePolicy); // validate early, at construction
    this.retry = options.retry;
    this.onRetry = options.onRetry;
    this.onBudgetWait = options.onBudgetWait;
    const credentials = "credentials" in this.credentialSource ? this.credentialSource.credentials : undefined;
    this.budget = options.budget ?? sharedBudget(budgetKey(this.origin, credentials), this.settings.budget);
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    assertHeaderSafeText(this.userAgent, "the userAgent option");
    this.connections = CloudflareClient.positive(options.connections, DEFAULT_CONNECTIONS, "connections");
    this.agent = new Agent({
      connections: this.connections,
      // Cloudflare keeps idle connections open for a while; reusing them saves a TLS handshake per bucket.
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
      // undici's own headersTimeout/bodyTimeout are switched off per request: exchange.ts explains why and enforces
      // the idle timeout itself.
    });
  }

  private static positive(value: number | undefined, fallback: number, name: string): number {
    if (value === undefined) return fallback;
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number (got ${value}).`);
    return value;
  }

  private static credentialSourceFrom(explicit: Credentials | undefined, env: NodeJS.ProcessEnv): CredentialSource {
    if (explicit !== undefined) {
      if ("apiToken" in explicit) assertHeaderSafe(explicit.apiToken, "credentials.apiToken");
      else {
        assertHeaderSafe(explicit.apiKey, "credentials.apiKey");
        assertHeaderSafe(explicit.email, "credentials.email");
      }
      return { credentials: explicit };
    }
    // Upload-only clients (bearer JWT) need no API credentials, so a missing one only fails on use.
    try {
      const fromEnv = resolveCredentials(env);
      return fromEnv !== undefined ? { credentials: fromEnv } : { error: new MissingCredentialsError() };
    } catch (error) {
      return { error: error as Error };
    }
  }

  /**
   * This client's settings for a client on a worker thread (see ClientThreadOptions). Without usable API credentials
   * it throws the error a request would, so a deploy fails before any thread is involved.
   */
  threadOptions(): ClientThreadOptions {
    if ("error" in this.credentialSource) throw this.credentialSource.error;
    return {
      baseUrl: this.baseUrl,
      credentials: this.credentialSource.credentials,
      transport: this.settings,
      idleTimeoutMs: this.idleTimeoutMs,
      retry: this.retry,
      userAgent: this.userAgent,
      connections: this.connections,
    };
  }

  private secrets(bearer: string | undefined): (string | undefined)[] {
    const list: (string | undefined)[] = [bearer];
    if ("credentials" in this.credentialSource) {
      const c = this.credentialSource.credentials;
      if ("apiToken" in c) list.push(c.apiToken);
      else list.push(c.apiKey);
    }
    return list;
  }

  private authHeaders(auth: ApiRequest<unknown>["auth"]): Record<string, string> {
    if (auth !== undefined && auth !== "api") {
      assertHeaderSafe(auth.bearer, "the upload JWT (auth.bearer)");
      return { authorization: `Bearer ${auth.bearer}` };
    }
    if ("error" in this.credentialSource) throw this.credentialSource.error;
    const c = this.credentialSource.credentials;
    return "apiToken" in c ? { authorization: `Bearer ${c.apiToken}` } : { "x-auth-email": c.email, "x-auth-key": c.apiKey };
  }

  private fullPath(path: string, query: Record<string, string | undefined> | undefined): string {
    if (!path.startsWith("/")) throw new RangeError(`API path must start with "/" (got ${JSON.stringify(path)}).`);
    const queryAt = path.indexOf("?");
    const bare = queryAt === -1 ? path : path.slice(0, queryAt);
    // `query` entries replace same-named ones already in the path (routes.bulkUploadPath carries base64=true).
    const params = new URLSearchParams(queryAt === -1 ? "" : path.slice(queryAt + 1));
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, value);
    const search = params.toString();
    return `${this.pathPrefix}${bare}${search === "" ? "" : `?${search}`}`;
  }

  async request<T>(req: ApiRequest<T>): Promise<ApiResponse<T>> {
    if (this.closed) throw new Error(`CloudflareClient is closed; cannot send ${req.method} ${req.path}.`);
    if (req.json !== undefined && req.form !== undefined) {
      throw new TypeError(`${req.method} ${req.path}: pass either json or form, not both.`);
    }
    const policy = resolveRetryPolicy(this.retry, req.retry, this.basePolicy);
    const idleTimeoutMs = CloudflareClient.positive(req.idleTimeoutMs ?? req.timeoutMs, this.idleTimeoutMs, "idleTimeoutMs");
    const requestTimeoutMs =
      req.requestTimeoutMs === undefined ? this.requestTimeoutMs : CloudflareClient.positive(req.requestTimeoutMs, 1, "requestTimeoutMs");
    const headers = {
      accept: "application/json",
      "user-agent": this.userAgent,
      ...withoutAuthHeaders(req.headers ?? {}),
      ...(req.json !== undefined ? { "content-type": "application/json" } : {}),
      ...this.authHeaders(req.auth),
    };
    const bearer = typeof req.auth === "object" ? req.auth.bearer : undefined;
    const path = this.fullPath(req.path, req.query);
    const jsonBody = req.json !== undefined ? JSON.stringify(req.json) : undefined;
    // Upload calls carry the session JWT, not the token; whether Cloudflare counts them is undocumented (docs/cloudflare-api.md §15.1).
    const counted = bearer === undefined || this.budget.countsUploadCalls;
    const onWait = oncePerWait(req.onBudgetWait ?? currentRequestObserver()?.onBudgetWait ?? this.onBudgetWait);
    const onRetry = req.onRetry ?? this.onRetry;
    const rateLimitMaxWaitMs = this.settings.rateLimitMaxWaitMs;

    let attempt = 1; // attempts used up; free retries (429, the first 524s) do not advance it
    let tries = 0; // requests actually sent
    let gatewayErrors = 0;
    let rateLimited = 0;
    let rateLimitedMs = 0;
    let lastFailure: AttemptFailure | undefined;
    for (;;) {
      req.signal?.throwIfAborted();
      let permit: BudgetPermit;
      try {
        permit = await this.budget.acquire({ counted, signal: req.signal, onWait, maxBlockedMs: Math.max(0, rateLimitMaxWaitMs - rateLimitedMs) });
      } catch (error) {
        if (error instanceof RateLimitWaitExceeded) throw this.rateLimitError(req, lastFailure, error.waitMs, tries, bearer);
        throw error;
      }
      rateLimitedMs += permit.blockedMs;
      tries++;
      let result: AttemptResult<T>;
      try {
        const body = req.form !== undefined ? req.form() : jsonBody;
        result = await this.attempt<T>(req, path, headers, body, idleTimeoutMs, requestTimeoutMs);
      } catch (error) {
        permit.complete();
        throw error;
      }
      permit.complete(result.headers);
      if (result.ok) return result.response;

      const failure = result.failure;
      lastFailure = failure;
      const fail = (extra?: Partial<AttemptFailure>): CloudflareApiError => this.toError(req, { ...failure, ...extra }, tries, bearer);
      const retryEvent = (delayMs: number, counts: boolean): void =>
        onRetry?.({
          method: req.method,
          path: req.path,
          attempt,
          maxAttempts: policy.maxAttempts,
          delayMs,
          reason: redactSecrets(failure.reason, this.secrets(bearer)),
          ...(failure.status !== undefined ? { status: failure.status } : {}),
          kind: failure.kind,
          counted: counts,
        });

      if (failure.status === 429) {
        // Cloudflare blocks every call of the token, not just this one: the whole budget waits (in acquire above),
        // and the wait does not use up an attempt of this or any other request.
        const waitMs = failure.retryAfterMs ?? RATE_LIMIT_BLOCK_MS;
        this.budget.blockFor(waitMs);
        if (req.retry === false) throw fail();
        if (rateLimitedMs + waitMs > rateLimitMaxWaitMs || rateLimited >= MAX_RATE_LIMITED_RETRIES) {
          throw this.rateLimitError(req, failure, waitMs, tries, bearer);
        }
        rateLimited++;
        retryEvent(waitMs, false);
        continue;
      }
      if (!failure.retryable) throw fail();

      const gateway = failure.status === GATEWAY_TIMEOUT_STATUS && req.retry !== false;
      if (gateway) gatewayErrors++;
      const free = gateway && gatewayErrors <= policy.freeGatewayRetries;
      if (!free && attempt >= policy.maxAttempts) throw fail();

      let delayMs: number;
      if (failure.retryAfterMs !== undefined) {
        if (failure.retryAfterMs > policy.maxRetryAfterMs) {
          throw fail({
            detail:
              `${failure.detail}; the server asked to wait ${formatSeconds(failure.retryAfterMs)} (Retry-After), ` +
              `longer than the ${formatSeconds(policy.maxRetryAfterMs)} limit (retry.maxRetryAfterMs), so not retrying; try again later`,
          });
        }
        delayMs = failure.retryAfterMs;
      } else {
        delayMs = backoffDelayMs(attempt, policy);
      }
      // Wrangler's patience with Cloudflare's edge timeout (docs/cloudflare-api.md §6): 5 s, 10 s, 20 s… on top of the backoff.
      if (gateway) delayMs += gatewayDelayMs(gatewayErrors, policy);
      retryEvent(delayMs, !free);
      await sleep(delayMs, req.signal);
      if (!free) attempt++;
    }
  }

  /** A 429 this request will not wait out: names the wait, the budget and the settings to change. */
  private rateLimitError<T>(req: ApiRequest<T>, failure: AttemptFailure | undefined, waitMs: number, tries: number, bearer: string | undefined): CloudflareApiError {
    const bound = this.settings.rateLimitMaxWaitMs;
    const answered = failure ? `${failure.detail}; ` : "";
    const detail =
      `${answered}the API is rate limiting this token (HTTP 429) and calls must wait another ${formatWait(waitMs)}, more than ` +
      `the ${formatWait(bound)} a request waits out rate limiting (${describeSetting("rateLimitWait")}). Cloudflare allows ` +
      `1,200 calls per 5 minutes per token and then blocks every call for five minutes; this process paces its calls to ` +
      `${this.budget.describe()} (${describeSetting("apiBudget")}). Raise ${describeSetting("rateLimitWait")} to ride out the block, ` +
      `or lower ${describeSetting("apiBudget")} when other tools use the same token`;
    return this.toError(
      req,
      {
        kind: "http",
        status: 429,
        codes: failure?.codes ?? [],
        apiMessages: failure?.apiMessages ?? [],
        detail,
        reason: "HTTP 429",
        retryable: true,
        retryAfterMs: waitMs,
      },
      tries,
      bearer,
    );
  }

  private async attempt<T>(
    req: ApiRequest<T>,
    path: string,
    headers: Record<string, string>,
    body: string | FormData | undefined,
    idleTimeoutMs: number,
    requestTimeoutMs: number | undefined,
  ): Promise<AttemptResult<T>> {
    let answer: Exchanged;
    try {
      answer = await exchange(this.agent, {
        origin: this.origin,
        path,
        method: req.method,
        headers,
        body,
        ...(req.signal ? { signal: req.signal } : {}),
        idleTimeoutMs,
        ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
      });
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      if (error instanceof ExchangeTimeoutError) return { ok: false, failure: timeoutFailure(error) };
      const { code, reason, text } = describeNetworkError(error);
      if (code === "UND_ERR_DESTROYED" || code === "UND_ERR_CLOSED") {
        return { ok: false, failure: { kind: "network", codes: [], apiMessages: [], detail: "the client was closed", reason: "client closed", retryable: false, cause: error } };
      }
      const hint = code === "ENOTFOUND" ? ` (is the host in ${this.baseUrl} right? check CLOUDFLARE_API_BASE_URL)` : "";
      return {
        ok: false,
        failure: {
          kind: "network",
          codes: [],
          apiMessages: [],
          detail: `network error ${code ?? "(no code)"}: ${text}${hint}`,
          reason,
          retryable: isRetryableNetworkCode(code),
          cause: error,
        },
      };
    }
    const outcome: ResponseOutcome<T> = interpretResponse(
      { status: answer.status, headers: answer.headers, body: answer.body },
      { schema: req.schema, ...(req.allowNullResult !== undefined ? { allowNullResult: req.allowNullResult } : {}) },
    );
    if (!outcome.ok) return { ...outcome, headers: answer.headers };
    const response: ApiResponse<T> = { status: answer.status, result: outcome.result, headers: answer.headers };
    if (outcome.resultInfo !== undefined) response.resultInfo = outcome.resultInfo;
    return { ok: true, response, headers: answer.headers };
  }

  private toError<T>(req: ApiRequest<T>, failure: AttemptFailure, attempts: number, bearer: string | undefined): CloudflareApiError {
    const secrets = this.secrets(bearer);
    const tries = attempts > 1 ? ` (gave up after ${attempts} attempts)` : "";
    const message = redactSecrets(`Cloudflare API request ${req.method} ${req.path} failed: ${failure.detail}${tries}`, secrets);
    return new CloudflareApiError({
      kind: failure.kind,
      message,
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      codes: failure.codes,
      apiMessages: failure.apiMessages.map((m) => redactSecrets(m, secrets)),
      method: req.method,
      path: req.path,
      retryable: failure.retryable,
      attempts,
      ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
      ...(failure.cause !== undefined ? { cause: failure.cause } : {}),
    });
  }

  /** Releases the keep-alive sockets. Idempotent; in-flight requests finish first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.agent.close();
  }
}

type AttemptResult<T> =
  | { ok: true; response: ApiResponse<T>; headers: Record<string, string> }
  | { ok: false; failure: AttemptFailure; headers?: Record<string, string> };

function timeoutFailure(error: ExchangeTimeoutError): AttemptFailure {
  const limit = formatSeconds(error.limitMs);
  const where =
    error.phase === "upload"
      ? `while sending the request body (${error.bytesSent} bytes sent)`
      : error.phase === "waiting"
        ? `waiting for the answer after sending ${error.bytesSent} bytes`
        : error.phase === "download"
          ? `while receiving the answer (${error.bytesReceived} bytes received)`
          : "before the request got a connection";
  return error.kind === "idle"
    ? {
        kind: "timeout",
        codes: [],
        apiMessages: [],
        detail: `no bytes sent or received for ${limit} ${where}; the idle timeout is ${describeSetting("idleTimeout")}`,
        reason: `timeout after ${limit}`,
        retryable: true,
      }
    : {
        kind: "timeout",
        codes: [],
        apiMessages: [],
        detail: `not complete within ${limit} (${where}); the cap on a whole request is ${describeSetting("requestTimeout")}`,
        reason: `timeout after ${limit} (request cap)`,
        retryable: true,
      };
}

/** Tells an observer about each wait once, however many of its requests wait on it. */
const lastWaitSeen = new WeakMap<(wait: BudgetWait) => void, number>();
function oncePerWait(observer: ((wait: BudgetWait) => void) | undefined): ((wait: BudgetWait) => void) | undefined {
  if (!observer) return undefined;
  return (wait) => {
    if (lastWaitSeen.get(observer) === wait.id) return;
    lastWaitSeen.set(observer, wait.id);
    observer(wait);
  };
}

const AUTH_HEADERS = new Set(["authorization", "x-auth-key", "x-auth-email"]);

/** Auth is decided by `auth` alone, so an upload request can never carry API credentials by accident. */
function withoutAuthHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .map(([k, v]) => [k.toLowerCase(), v] as const)
      .filter(([k]) => !AUTH_HEADERS.has(k)),
  );
}

function assertHeaderSafeText(value: string, setting: string): void {
  // User agents contain spaces ("name/1.0 (info)"); only control characters are unsafe.
  if (/[\x00-\x1f\x7f]/.test(value)) throw new CloudflareConfigError(setting, `${setting} contains control characters.`);
}
