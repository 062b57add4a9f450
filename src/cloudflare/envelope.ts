/**
 * Turns a received HTTP answer into a result or a described failure. Pure: no I/O, no secrets
 * (the client redacts before anything becomes an error message).
 */
import { z } from "zod";
import type { ApiErrorKind } from "./errors.js";
import { isRetryableStatus, parseRetryAfterMs } from "./retry-policy.js";

const apiNoticeSchema = z.looseObject({
  code: z.union([z.number(), z.string()]).optional(),
  message: z.string().optional(),
  error_chain: z.array(z.looseObject({ code: z.union([z.number(), z.string()]).optional(), message: z.string().optional() })).optional(),
});

/** `{success, errors, messages, result, result_info?}` — every Cloudflare v4 answer, success or not. */
export const envelopeSchema = z.looseObject({
  success: z.boolean(),
  errors: z.array(z.union([apiNoticeSchema, z.string()])).nullish(),
  messages: z.array(z.unknown()).nullish(),
  result: z.unknown().optional(),
  result_info: z.unknown().optional(),
});

export interface AttemptFailure {
  kind: ApiErrorKind;
  status?: number;
  codes: number[];
  apiMessages: string[];
  /** What went wrong, for the error message (unredacted). */
  detail: string;
  /** Short form for progress lines, e.g. "HTTP 503". */
  reason: string;
  retryable: boolean;
  retryAfterMs?: number;
  cause?: unknown;
}

export type ResponseOutcome<T> =
  | { ok: true; result: T; resultInfo?: unknown }
  | { ok: false; failure: AttemptFailure };

export interface ReceivedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * What reading a result takes of its schema: zod's `safeParse`, and of a failure the issues. Spelled out rather than
 * `z.ZodType<T>` because it reaches the public declarations (CloudflareClient.request), which must not load zod's
 * types in a user's type-check; every zod schema is one.
 */
export interface ResultSchema<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false; error: SchemaIssues };
}

/** The part of a `z.ZodError` a message needs. */
export interface SchemaIssues {
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>;
}

export interface InterpretOptions<T> {
  schema: ResultSchema<T>;
  allowNullResult?: boolean;
  now?: number;
}

const SNIPPET_CHARS = 100;

export function bodySnippet(body: string): string {
  const collapsed = body.replace(/\s+/g, " ").trim();
  return collapsed.length > SNIPPET_CHARS ? `${collapsed.slice(0, SNIPPET_CHARS)}…` : collapsed;
}

function toCode(code: number | string | undefined): number | undefined {
  if (typeof code === "number") return Number.isFinite(code) ? code : undefined;
  if (typeof code === "string" && /^-?\d+$/.test(code.trim())) return Number(code.trim());
  return undefined;
}

/** Flattens errors and their error_chain into parallel code / message lists. */
function collectErrors(errors: z.infer<typeof envelopeSchema>["errors"]): { codes: number[]; messages: string[]; rendered: string[] } {
  const codes: number[] = [];
  const messages: string[] = [];
  const rendered: string[] = [];
  const add = (code: number | string | undefined, message: string | undefined): void => {
    const numeric = toCode(code);
    if (numeric !== undefined) codes.push(numeric);
    if (message !== undefined) messages.push(message);
    rendered.push(`${message ?? "(no message)"}${numeric !== undefined ? ` [code: ${numeric}]` : ""}`);
  };
  for (const error of errors ?? []) {
    if (typeof error === "string") {
      add(undefined, error);
      continue;
    }
    add(error.code, error.message);
    for (const link of error.error_chain ?? []) add(link.code, link.message);
  }
  return { codes, messages, rendered };
}

export function summarizeIssues(error: SchemaIssues): string {
  const shown = error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join(".") : "(result)";
    return `${where}: ${issue.message}`;
  });
  const more = error.issues.length > shown.length ? `; and ${error.issues.length - shown.length} more` : "";
  return shown.join("; ") + more;
}

function statusReason(status: number, retryAfterMs: number | undefined, suffix = ""): string {
  const wait = retryAfterMs !== undefined ? ` (Retry-After ${formatSeconds(retryAfterMs)})` : "";
  return `HTTP ${status}${suffix}${wait}`;
}

export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
}

function isEmptySuccess(response: ReceivedResponse): boolean {
  return (response.status === 204 || response.status === 205) && response.body.trim() === "";
}

export function interpretResponse<T>(response: ReceivedResponse, options: InterpretOptions<T>): ResponseOutcome<T> {
  const { status, headers, body } = response;
  const retryAfterMs = parseRetryAfterMs(headers["retry-after"], options.now);
  const retryable = isRetryableStatus(status);
  const waitFields = retryAfterMs !== undefined && retryable ? { retryAfterMs } : {};

  if (isEmptySuccess(response)) return resolveResult(undefined, status, options);

  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    const challenged = headers["cf-mitigated"]?.toLowerCase() === "challenge";
    const type = headers["content-type"] ? ` (${headers["content-type"].split(";")[0]})` : "";
    const detail = challenged
      ? `HTTP ${status}: blocked by a Cloudflare challenge (cf-mitigated: challenge); a firewall rule challenged this client, ` +
        `so check the network you deploy from or the account's WAF rules`
      : body.trim() === ""
        ? `HTTP ${status} with an empty body where a JSON API envelope was expected`
        : `HTTP ${status} with a non-JSON body${type}: ${JSON.stringify(bodySnippet(body))}`;
    return {
      ok: false,
      failure: {
        kind: "malformed",
        status,
        codes: [],
        apiMessages: [],
        detail,
        reason: statusReason(status, retryAfterMs, body.trim() === "" ? " (empty body)" : " (non-JSON body)"),
        retryable: retryable && !challenged,
        ...waitFields,
      },
    };
  }

  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    return {
      ok: false,
      failure: {
        kind: "malformed",
        status,
        codes: [],
        apiMessages: [],
        detail: `HTTP ${status} with a JSON body that is not a Cloudflare API envelope ({success, errors, result}): ${JSON.stringify(bodySnippet(body))}`,
        reason: statusReason(status, retryAfterMs, " (not an API envelope)"),
        retryable,
        ...waitFields,
      },
    };
  }

  const { success, errors, result, result_info } = envelope.data;
  if (!success || status >= 400) {
    const collected = collectErrors(errors);
    const what = collected.rendered.length > 0 ? collected.rendered.join("; ") : "no error details in the response";
    const flag = success ? "" : status < 400 ? " with success: false" : "";
    return {
      ok: false,
      failure: {
        kind: "http",
        status,
        codes: collected.codes,
        apiMessages: collected.messages,
        detail: `HTTP ${status}${flag}: ${what}`,
        reason: statusReason(status, retryAfterMs),
        retryable,
        ...waitFields,
      },
    };
  }

  const outcome = resolveResult(result, status, options);
  if (outcome.ok && result_info !== undefined) return { ...outcome, resultInfo: result_info };
  return outcome;
}

function resolveResult<T>(result: unknown, status: number, options: InterpretOptions<T>): ResponseOutcome<T> {
  if (result === null || result === undefined) {
    // A schema that itself accepts "nothing" (z.unknown(), .optional(), .nullable()) gets its own answer.
    const accepted = options.schema.safeParse(result);
    if (accepted.success) return { ok: true, result: accepted.data };
    if (options.allowNullResult) return { ok: true, result: null as T };
    const emptyAnswer = status === 204 || status === 205;
    return {
      ok: false,
      failure: {
        kind: "null-result",
        status,
        codes: [],
        apiMessages: [],
        detail: emptyAnswer
          ? `HTTP ${status} with no body where a result was expected`
          : `HTTP ${status} with "result": ${result === null ? "null" : "missing"} where a result was expected`,
        reason: `HTTP ${status} (no result)`,
        // The upload-session endpoint has answered `result: null` transiently (workers-sdk #9465).
        retryable: !emptyAnswer,
      },
    };
  }
  const parsed = options.schema.safeParse(result);
  if (parsed.success) return { ok: true, result: parsed.data };
  return {
    ok: false,
    failure: {
      kind: "schema",
      status,
      codes: [],
      apiMessages: [],
      detail: `HTTP ${status}, but the result does not have the expected shape: ${summarizeIssues(parsed.error)}`,
      reason: `HTTP ${status} (unexpected result shape)`,
      retryable: false,
      cause: parsed.error,
    },
  };
}
