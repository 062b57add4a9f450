/**
 * Cloudflare's v4 API envelope and the error codes the emulator answers with.
 *
 * Codes marked "real" are ones Cloudflare is known to send for the same situation (see
 * docs/cloudflare-api.md §7.1 and §15.3); the others are
 * invented because no source records Cloudflare's code.
 * Clients should decide on the HTTP status (and a JWT's `exp`), not on these numbers.
 */

export const ErrorCode = {
  /** real: invalid, missing or foreign credentials. */
  authentication: 10000,
  /** real: "This Worker does not exist on your account." */
  workerNotFound: 10007,
  /** real: unknown error (HTTP 500). Used for internal failures and injected 5xx faults. */
  unknown: 10013,
  /** real family: script/metadata validation errors on PUT. */
  scriptValidation: 10021,
  /**
   * real: "script not found" on the dispatch-namespace script GET. wrangler's `deploy --dispatch-namespace` treats
   * only this code there as "the Worker is new" (docs/cloudflare-api.md §15.3); any other code aborts its first deploy.
   */
  namespaceScriptNotFound: 10092,
  /** real: legacy environment / service not found (wrangler's services GET for a new Worker). */
  serviceNotFound: 10090,
  /** real: manifest key without a leading "/". */
  manifestKey: 10304,
  /** invented: manifest hash is not 32 hex characters. */
  manifestHash: 10305,
  /** invented: a manifest entry's size exceeds the per-asset limit. */
  assetTooLarge: 10306,
  /** invented: more manifest entries than the per-Worker limit. */
  tooManyAssets: 10307,
  /** invented: the session body is not `{manifest: {...}}` or an entry is malformed. */
  manifestInvalid: 10308,
  /** invented: the same hash is listed with two different sizes. */
  manifestHashConflict: 10309,
  /** invented: missing or invalid upload JWT (bad signature, wrong kind, other account). HTTP 401. */
  uploadTokenInvalid: 10310,
  /** invented: expired upload or completion JWT. HTTP 401. */
  tokenExpired: 10311,
  /** invented: an uploaded part is malformed (unknown hash, bad base64, wrong size). */
  uploadPartInvalid: 10312,
  /** invented: a completion JWT used on the wrong script, twice, or for assets no longer stored. HTTP 400. */
  completionTokenRejected: 10313,
  /** invented: request body larger than the emulator accepts. HTTP 413. */
  requestTooLarge: 10314,
  /** invented: `?base64=true` missing on the bulk upload route. */
  base64Required: 10315,
  /**
   * invented: dispatch namespace not found. HTTP 404. No source (workers-sdk, cloudflare-typescript,
   * terraform-provider-cloudflare, the docs) records Cloudflare's code for it; it must stay distinct from the
   * script-not-found codes 10007/10092 so a client never mistakes a missing namespace for a deleted script.
   */
  namespaceNotFound: 10320,
  /** invented: dispatch namespace name already taken. HTTP 409. */
  namespaceExists: 10321,
  /** invented: malformed name or JSON body. HTTP 400. */
  badRequest: 10322,
  /** invented: the route exists but not for this method. HTTP 405. */
  methodNotAllowed: 10405,
  /** real: Cloudflare's rate-limit answer (HTTP 429). */
  rateLimited: 971,
  /** real: "No route for that URI" (sent together with 7003). */
  noRoute: 7000,
  /** real: "Could not route to …, perhaps your object identifier is invalid?" */
  couldNotRoute: 7003,
} as const;

export interface ApiErrorItem {
  code: number;
  message: string;
}

export interface Envelope<T> {
  success: boolean;
  errors: ApiErrorItem[];
  messages: unknown[];
  result: T | null;
  result_info?: Record<string, unknown>;
}

/** A failure that becomes a Cloudflare error envelope with the given HTTP status. */
export class ApiError extends Error {
  readonly status: number;
  readonly errors: ApiErrorItem[];
  readonly headers: Record<string, string>;

  constructor(status: number, code: number, message: string, options: { more?: ApiErrorItem[]; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.errors = [{ code, message }, ...(options.more ?? [])];
    this.headers = options.headers ?? {};
  }
}

export function successEnvelope<T>(result: T, resultInfo?: Record<string, unknown>): Envelope<T> {
  const envelope: Envelope<T> = { success: true, errors: [], messages: [], result };
  if (resultInfo) envelope.result_info = resultInfo;
  return envelope;
}

export function errorEnvelope(errors: ApiErrorItem[]): Envelope<never> {
  return { success: false, errors, messages: [], result: null };
}

export function authenticationError(): ApiError {
  return new ApiError(403, ErrorCode.authentication, "Authentication error");
}

export function routeNotFound(path: string): ApiError {
  return new ApiError(404, ErrorCode.couldNotRoute, `Could not route to ${path}, perhaps your object identifier is invalid?`, {
    more: [{ code: ErrorCode.noRoute, message: "No route for that URI" }],
  });
}

export function badRequest(message: string, code: number = ErrorCode.badRequest): ApiError {
  return new ApiError(400, code, message);
}

export function workerNotFound(): ApiError {
  return new ApiError(404, ErrorCode.workerNotFound, "This Worker does not exist on your account.");
}

/** The namespace script GET's answer for a missing script (code 10092, which wrangler requires there). */
export function namespaceScriptNotFound(): ApiError {
  return new ApiError(404, ErrorCode.namespaceScriptNotFound, "This Worker does not exist in the dispatch namespace.");
}

export function namespaceNotFound(namespace: string): ApiError {
  return new ApiError(404, ErrorCode.namespaceNotFound, `Dispatch namespace "${namespace}" not found. Create it first (POST /accounts/{account_id}/workers/dispatch/namespaces).`);
}

export function requestTooLarge(limit: number): ApiError {
  return new ApiError(413, ErrorCode.requestTooLarge, `Request body exceeds the emulator's limit of ${limit} bytes.`);
}
