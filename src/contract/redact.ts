/**
 * What a recording may not carry: the API token, session JWTs (upload and completion: they authorise uploads and
 * attaching assets for an hour), e-mail addresses (a namespace's `created_by` may be one). The account id is not a
 * credential, but replacing it (and the run's random names) with placeholders keeps recordings anonymous and makes a
 * recording of the emulator and one of Cloudflare diff line by line.
 */
import type { Exchange } from "./exchange.js";

export interface RedactionContext {
  token: string;
  accountId: string;
  /** Run-specific names, replaced by their placeholder: e.g. { "wfp-contract-1a2b3c4d": "{namespace}" }. */
  names?: Record<string, string>;
}

export const REDACTED_JWT = "[redacted JWT]";
export const REDACTED_TOKEN = "[redacted API token]";
export const REDACTED_EMAIL = "[redacted e-mail]";
export const ACCOUNT_PLACEHOLDER = "{account_id}";

// A JWT's first segment is base64url JSON, so it always starts with "eyJ" (`{"`).
const JWT_LIKE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

export function redactText(text: string, context: RedactionContext): string {
  let out = text;
  // An empty or tiny token would erase ordinary characters; real tokens are 40 characters.
  if (context.token.length >= 6) out = out.split(context.token).join(REDACTED_TOKEN);
  out = out.replace(JWT_LIKE, REDACTED_JWT).replace(EMAIL, REDACTED_EMAIL);
  out = out.split(context.accountId).join(ACCOUNT_PLACEHOLDER);
  // Longest first, so a name that contains another is replaced whole.
  for (const [name, placeholder] of Object.entries(context.names ?? {}).sort((a, b) => b[0].length - a[0].length)) {
    if (name) out = out.split(name).join(placeholder);
  }
  return out;
}

/** Redacts every string of a JSON value; a `jwt` field is redacted whatever it holds. */
export function redactJson(value: unknown, context: RedactionContext): unknown {
  if (typeof value === "string") return redactText(value, context);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, context));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [redactText(k, context), k === "jwt" && typeof v === "string" ? REDACTED_JWT : redactJson(v, context)]),
    );
  }
  return value;
}

/** A copy of the exchange that is safe to attach to a public issue. */
export function redactExchange(exchange: Exchange, context: RedactionContext): Exchange {
  const { request, response } = exchange;
  return {
    ...exchange,
    path: redactText(exchange.path, context),
    request: {
      ...(request.contentType !== undefined ? { contentType: request.contentType } : {}),
      ...(request.json !== undefined ? { json: redactJson(request.json, context) } : {}),
      ...(request.parts ? { parts: request.parts.map((p) => ({ ...p, name: redactText(p.name, context), text: redactText(p.text, context) })) } : {}),
    },
    response: {
      status: response.status,
      headers: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, redactText(v, context)])),
      ...(response.json !== undefined ? { json: redactJson(response.json, context) } : {}),
      ...(response.text !== undefined ? { text: redactText(response.text, context) } : {}),
    },
  };
}
