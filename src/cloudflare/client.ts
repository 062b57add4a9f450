/**
 * HTTP client for the Cloudflare v4 API: keep-alive connections, auth headers, envelope parsing,
 * timeouts and retries. Everything protocol-specific (paths, result shapes) lives elsewhere.
 */
import { Agent, type FormData } from "undici";
import type { z } from "zod";
import { assertHeaderSafe, CloudflareConfigError, MissingCredentialsError, normalizeBaseUrl, resolveBaseUrl, resolveCredentials, type Credentials } from "./config.js";
import { interpretResponse, formatSeconds, type AttemptFailure, type ResponseOutcome } from "./envelope.js";
import { CloudflareApiError } from "./errors.js";
import { redactSecrets } from "./redact.js";
import { backoffDelayMs, isRetryableNetworkCode, resolveRetryPolicy, type RetryPolicy } from "./retry-policy.js";

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
}

export interface ClientOptions {
  /** Full API prefix incl. `/client/v4`. Default: CLOUDFLARE_API_BASE_URL / CF_API_BASE_URL from `env`, else DEFAULT_BASE_URL. */
  baseUrl?: string;
  /** Default: resolved from `env` (CLOUDFLARE_API_TOKEN, or CLOUDFLARE_API_KEY + CLOUDFLARE_EMAIL) on first use. */
  credentials?: Credentials;
  /** Per attempt, covering connect, headers and the whole body. Default 60 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  onRetry?: (event: RetryEvent) => void;
  userAgent?: string;
  /** Max sockets to the API origin. Default 8. */
  connections?: number;
  /** Where defaults are read from. Default process.env. */
  env?: NodeJS.ProcessEnv;
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
  timeoutMs?: number;
  /** Cancels the request (and any pending retry); the promise rejects with the signal's reason. */
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

export const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_CONNECTIONS = 8;
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

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
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
  private readonly timeoutMs: number;
  private readonly retry: Partial<RetryPolicy> | undefined;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;
  private readonly userAgent: string;
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
    this.timeoutMs = CloudflareClient.positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, "timeoutMs");
    resolveRetryPolicy(options.retry, undefined); // validate early, at construction
    this.retry = options.retry;
    this.onRetry = options.onRetry;
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    assertHeaderSafeText(this.userAgent, "the userAgent option");
    const connections = CloudflareClient.positive(options.connections, DEFAULT_CONNECTIONS, "connections");
    this.agent = new Agent({
      connections,
      // Cloudflare keeps idle connections open for a while; reusing them saves a TLS handshake per bucket.
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
      // Backstop only: the per-attempt AbortSignal below enforces timeoutMs over headers and body together.
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
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
    const policy = resolveRetryPolicy(this.retry, req.retry);
    const timeoutMs = CloudflareClient.positive(req.timeoutMs, this.timeoutMs, "timeoutMs");
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

    for (let attempt = 1; ; attempt++) {
      req.signal?.throwIfAborted();
      const body = req.form !== undefined ? req.form() : jsonBody;
      const outcome = await this.attempt<T>(req, path, headers, body, timeoutMs);
      if (outcome.ok) return outcome.response;

      const failure = outcome.failure;
      const fail = (extra?: Partial<AttemptFailure>): CloudflareApiError =>
        this.toError(req, { ...failure, ...extra }, attempt, bearer);
      if (!failure.retryable || attempt >= policy.maxAttempts) throw fail();

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
      (req.onRetry ?? this.onRetry)?.({
        method: req.method,
        path: req.path,
        attempt,
        maxAttempts: policy.maxAttempts,
        delayMs,
        reason: redactSecrets(failure.reason, this.secrets(bearer)),
        ...(failure.status !== undefined ? { status: failure.status } : {}),
      });
      await sleep(delayMs, req.signal);
    }
  }

  private async attempt<T>(
    req: ApiRequest<T>,
    path: string,
    headers: Record<string, string>,
    body: string | FormData | undefined,
    timeoutMs: number,
  ): Promise<{ ok: true; response: ApiResponse<T> } | { ok: false; failure: AttemptFailure }> {
    const deadline = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      deadline.abort(new Error(`no complete response within ${formatSeconds(timeoutMs)}`));
    }, timeoutMs);
    const signal = req.signal ? AbortSignal.any([deadline.signal, req.signal]) : deadline.signal;
    try {
      const response = await this.agent.request({
        origin: this.origin,
        path,
        method: req.method,
        headers,
        body: body ?? null,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      // Reading the body inside the same deadline: a server that sends headers and then stalls must time out too.
      const text = await response.body.text();
      const responseHeaders = flattenHeaders(response.headers);
      const outcome: ResponseOutcome<T> = interpretResponse(
        { status: response.statusCode, headers: responseHeaders, body: text },
        { schema: req.schema, ...(req.allowNullResult !== undefined ? { allowNullResult: req.allowNullResult } : {}) },
      );
      if (!outcome.ok) return outcome;
      const result: ApiResponse<T> = { status: response.statusCode, result: outcome.result, headers: responseHeaders };
      if (outcome.resultInfo !== undefined) result.resultInfo = outcome.resultInfo;
      return { ok: true, response: result };
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      const { code, reason, text } = describeNetworkError(error);
      if (timedOut || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
        return {
          ok: false,
          failure: {
            kind: "timeout",
            codes: [],
            apiMessages: [],
            detail: `no complete response within ${formatSeconds(timeoutMs)} (timeoutMs)`,
            reason: `timeout after ${formatSeconds(timeoutMs)}`,
            retryable: true,
          },
        };
      }
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
    } finally {
      clearTimeout(timer);
    }
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
