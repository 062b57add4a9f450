/** The one error type every failed Cloudflare API call turns into. */

export type ApiErrorKind = "http" | "network" | "timeout" | "malformed" | "null-result" | "schema";

export interface CloudflareApiErrorInit {
  kind: ApiErrorKind;
  /** Already redacted; names the request, the status and what went wrong. */
  message: string;
  status?: number;
  codes?: number[];
  apiMessages?: string[];
  method: string;
  path: string;
  retryable: boolean;
  attempts: number;
  /** Set when the server asked for a wait (Retry-After). */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * `retryable` says whether the failure class is transient (the client already retried it up to the
 * policy's limit); `status`/`codes` let callers decide, e.g. 401/403 on an upload = expired JWT.
 * The message never contains credentials or JWTs.
 */
export class CloudflareApiError extends Error {
  readonly kind: ApiErrorKind;
  readonly status?: number;
  readonly codes: number[];
  readonly apiMessages: string[];
  readonly method: string;
  readonly path: string;
  readonly retryable: boolean;
  readonly attempts: number;
  readonly retryAfterMs?: number;

  constructor(init: CloudflareApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "CloudflareApiError";
    this.kind = init.kind;
    if (init.status !== undefined) this.status = init.status;
    this.codes = init.codes ?? [];
    this.apiMessages = init.apiMessages ?? [];
    this.method = init.method;
    this.path = init.path;
    this.retryable = init.retryable;
    this.attempts = init.attempts;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }

  /** True when Cloudflare answered with one of the given error codes (e.g. 10007 "script not found"). */
  hasCode(...codes: number[]): boolean {
    return this.codes.some((c) => codes.includes(c));
  }
}
