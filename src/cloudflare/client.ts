/**
 * HTTP client for the Cloudflare v4 API: keep-alive connections, auth headers, envelope parsing, retries
 * (next-step.ts decides them), the idle timeout (exchange.ts) and the API budget shared by the whole process
 * (budget/), including waiting out a 429. Everything protocol-specific (paths, result shapes) lives elsewhere.
 */
import { Agent } from "undici";
import { failureOfThrown } from "./attempt-failure.js";
import { budgetKey, sharedBudget } from "./budget/registry.js";
import { RateLimitWaitExceeded, type ApiBudget, type BudgetPermit } from "./budget/api-budget.js";
import { eachWaitOnce, observerOfCall } from "./budget/observe.js";
import type { BudgetWaitObserver } from "./budget/wait.js";
import { assertHeaderSafe, CloudflareConfigError, MissingCredentialsError, normalizeBaseUrl, resolveBaseUrl, resolveCredentials, type Credentials } from "./config.js";
import { interpretResponse, type AttemptFailure, type ResponseOutcome, type ResultSchema } from "./envelope.js";
import { CloudflareApiError, type ApiErrorKind } from "./errors.js";
import { exchange, type Exchanged } from "./exchange.js";
import { afterFailure, blockBound, failureFor, FIRST_ATTEMPT, type NextStep, type RetryRules, type RetryState } from "./next-step.js";
import { redactSecrets } from "./redact.js";
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicy } from "./retry-policy.js";
import { resolveTransportSettings, type TransportSettings } from "./transport-settings.js";

export { RATE_LIMIT_BLOCK_MS } from "./next-step.js";

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
   * credential (budget/registry.ts), configured with `transport.budget`. A worker thread's client passes the parent
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
   * Told when this client's requests wait for the API budget, once per wait however many of them wait. Requests
   * started inside a withRequestObserver scope (deployAssets runs in one) report to that scope's observer instead
   * (src/cloudflare/budget/observe.ts).
   */
  onBudgetWait?: BudgetWaitObserver;
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
  /**
   * Called once per attempt: a FormData body is a one-shot stream and cannot be replayed. Node's global FormData type:
   * progress-body.ts encodes the form itself (undici never sees it), and the public declarations need not load
   * undici's types.
   */
  form?: () => FormData;
  /** "api" (default) sends the API credentials; `{ bearer }` sends only that token (the upload JWT). */
  auth?: "api" | { bearer: string };
  /** A zod schema of the envelope's `result`. */
  schema: ResultSchema<T>;
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
const DEFAULT_USER_AGENT = "pulumi-wfp-assets";

type CredentialSource = { credentials: Credentials } | { error: Error };

/** A request as the attempts send it, prepared once (CloudflareClient.prepare). */
interface PreparedCall<T> {
  req: ApiRequest<T>;
  path: string;
  headers: Record<string, string>;
  jsonBody: string | undefined;
  /** The upload JWT the request carries instead of the API credentials. */
  bearer: string | undefined;
  idleTimeoutMs: number;
  requestTimeoutMs: number | undefined;
  rules: RetryRules;
  /** Whether the call takes a slot of the API budget. */
  counted: boolean;
  onWait: BudgetWaitObserver | undefined;
  onRetry: ((event: RetryEvent) => void) | undefined;
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
  private readonly onBudgetWait: BudgetWaitObserver | undefined;
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
    this.onBudgetWait = options.onBudgetWait && eachWaitOnce(options.onBudgetWait);
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

  /**
   * Sends the request: waits for the API budget, makes an attempt, and after a failure does what next-step.ts
   * decides (retry after a delay, wait for the budget, or fail with the error it names).
   */
  async request<T>(req: ApiRequest<T>): Promise<ApiResponse<T>> {
    const call = this.prepare(req);
    let state: RetryState = FIRST_ATTEMPT;
    let tries = 0; // requests actually sent
    let last: AttemptFailure | undefined;
    for (;;) {
      req.signal?.throwIfAborted();
      const permit = await this.permitFor(call, state, last, tries);
      state = { ...state, rateLimitedMs: state.rateLimitedMs + permit.blockedMs };
      tries++;
      const result = await this.attemptUnder(permit, call);
      if (result.ok) return result.response;
      last = result.failure;
      const step = afterFailure(last, state, call.rules);
      if (step.blockMs !== undefined) this.budget.blockFor(step.blockMs);
      if (step.do === "fail") throw this.toError(req, failureFor(step.failure, last, call.rules, this.budget.describe()), tries, call.bearer);
      this.reportRetry(call, last, state.attempt, step);
      if (step.do === "retry") await sleep(step.delayMs, req.signal);
      state = step.state;
    }
  }

  /** Everything about a request that stays the same from one attempt to the next. */
  private prepare<T>(req: ApiRequest<T>): PreparedCall<T> {
    if (this.closed) throw new Error(`CloudflareClient is closed; cannot send ${req.method} ${req.path}.`);
    if (req.json !== undefined && req.form !== undefined) {
      throw new TypeError(`${req.method} ${req.path}: pass either json or form, not both.`);
    }
    const bearer = typeof req.auth === "object" ? req.auth.bearer : undefined;
    return {
      req,
      path: this.fullPath(req.path, req.query),
      headers: {
        accept: "application/json",
        "user-agent": this.userAgent,
        ...withoutAuthHeaders(req.headers ?? {}),
        ...(req.json !== undefined ? { "content-type": "application/json" } : {}),
        ...this.authHeaders(req.auth),
      },
      jsonBody: req.json !== undefined ? JSON.stringify(req.json) : undefined,
      bearer,
      idleTimeoutMs: CloudflareClient.positive(req.idleTimeoutMs ?? req.timeoutMs, this.idleTimeoutMs, "idleTimeoutMs"),
      requestTimeoutMs: req.requestTimeoutMs === undefined ? this.requestTimeoutMs : CloudflareClient.positive(req.requestTimeoutMs, 1, "requestTimeoutMs"),
      rules: {
        policy: resolveRetryPolicy(this.retry, req.retry, this.basePolicy),
        noRetry: req.retry === false,
        rateLimitMaxWaitMs: this.settings.rateLimitMaxWaitMs,
      },
      // Upload calls carry the session JWT, not the token; whether Cloudflare counts them is undocumented (docs/cloudflare-api.md §15.1).
      counted: bearer === undefined || this.budget.countsUploadCalls,
      onWait: observerOfCall(this.onBudgetWait),
      onRetry: req.onRetry ?? this.onRetry,
    };
  }

  /** Waits for the budget; a 429 block longer than the request will still wait fails it (naming the block). */
  private async permitFor(call: PreparedCall<unknown>, state: RetryState, last: AttemptFailure | undefined, tries: number): Promise<BudgetPermit> {
    try {
      return await this.budget.acquire({ counted: call.counted, signal: call.req.signal, onWait: call.onWait, maxBlockedMs: blockBound(state, call.rules) });
    } catch (error) {
      if (!(error instanceof RateLimitWaitExceeded)) throw error;
      const failure = failureFor({ as: "rate-limited", waitMs: error.waitMs }, last, call.rules, this.budget.describe());
      throw this.toError(call.req, failure, tries, call.bearer);
    }
  }

  /** One attempt; its slot in the budget is released with the answer's headers (the Ratelimit figures). */
  private async attemptUnder<T>(permit: BudgetPermit, call: PreparedCall<T>): Promise<AttemptResult<T>> {
    let result: AttemptResult<T>;
    try {
      result = await this.attempt(call, call.req.form !== undefined ? call.req.form() : call.jsonBody);
    } catch (error) {
      permit.complete();
      throw error;
    }
    permit.complete(result.headers);
    return result;
  }

  private reportRetry(call: PreparedCall<unknown>, failure: AttemptFailure, attempt: number, step: Extract<NextStep, { do: "retry" | "wait-for-budget" }>): void {
    call.onRetry?.({
      method: call.req.method,
      path: call.req.path,
      attempt,
      maxAttempts: call.rules.policy.maxAttempts,
      delayMs: step.do === "retry" ? step.delayMs : step.blockMs,
      reason: redactSecrets(failure.reason, this.secrets(call.bearer)),
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      kind: failure.kind,
      counted: step.do === "retry" && step.counted,
    });
  }

  private async attempt<T>(call: PreparedCall<T>, body: string | FormData | undefined): Promise<AttemptResult<T>> {
    const req = call.req;
    let answer: Exchanged;
    try {
      answer = await exchange(this.agent, {
        origin: this.origin,
        path: call.path,
        method: req.method,
        headers: call.headers,
        body,
        ...(req.signal ? { signal: req.signal } : {}),
        idleTimeoutMs: call.idleTimeoutMs,
        ...(call.requestTimeoutMs !== undefined ? { requestTimeoutMs: call.requestTimeoutMs } : {}),
      });
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      return { ok: false, failure: failureOfThrown(error, this.baseUrl) };
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
