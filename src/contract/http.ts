/**
 * The contract suite's own HTTP client: undici's fetch and FormData, no product code, so the suite judges the
 * emulator (and Cloudflare) by the protocol alone, not by what our client happens to send or tolerate. Every request
 * is counted against the suite's call budget before it is sent, and handed to `onExchange` (recording, the rate-limit
 * check) after its answer arrived.
 */
import { FormData, fetch } from "undici";
import type { CallBudget, CallPurpose } from "./budget.js";
import { type Exchange, type ExchangeAuth, RECORDED_RESPONSE_HEADERS, type RecordedPart } from "./exchange.js";
import { parseRateLimit } from "./ratelimit-header.js";

/** One multipart part: a plain field (no filename, no type), or a file part. */
export interface Part {
  name: string;
  content: string;
  filename?: string;
  contentType?: string;
}

export interface CallOptions {
  json?: unknown;
  parts?: Part[];
  /** A session's upload JWT instead of the API token. */
  uploadJwt?: string;
  purpose?: CallPurpose;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** The body as JSON, or undefined when it is not JSON. */
  json: unknown;
  text: string;
  /** The server's clock (Date header) in seconds, or the local one if the answer had none. */
  serverNowSeconds: number;
}

/** A request that got no answer (connection refused, timeout): the check fails with this. */
export class ContractTransportError extends Error {
  override readonly name = "ContractTransportError";
}

/** Real API calls can be slow (a script PUT waits for the upload to be validated); nothing here takes this long. */
const REQUEST_TIMEOUT_MS = 120_000;

export class ContractHttp {
  private seq = 0;

  constructor(
    private readonly options: { baseUrl: string; token: string; budget: CallBudget; onExchange: (exchange: Exchange) => void },
  ) {}

  /** `path` is relative to the API base, e.g. `/accounts/{id}/workers/dispatch/namespaces`. */
  async call(check: string, method: string, path: string, call: CallOptions = {}): Promise<Reply> {
    this.options.budget.take(call.purpose ?? "check", `${method} ${path}`);
    const auth: ExchangeAuth = call.uploadJwt === undefined ? "api-token" : "upload-jwt";
    const headers: Record<string, string> = { authorization: `Bearer ${call.uploadJwt ?? this.options.token}` };
    let body: string | FormData | undefined;
    const request: Exchange["request"] = {};
    if (call.json !== undefined) {
      body = JSON.stringify(call.json);
      headers["content-type"] = request.contentType = "application/json";
      request.json = call.json;
    } else if (call.parts) {
      const form = new FormData();
      for (const p of call.parts) {
        if (p.filename === undefined && p.contentType === undefined) form.append(p.name, p.content);
        else form.append(p.name, new Blob([p.content], p.contentType === undefined ? {} : { type: p.contentType }), p.filename ?? p.name);
      }
      body = form;
      request.contentType = "multipart/form-data";
      request.parts = call.parts.map(recordedPart);
    }
    const started = performance.now();
    let response;
    let text: string;
    try {
      response = await fetch(`${this.options.baseUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      text = await response.text();
    } catch (err) {
      throw new ContractTransportError(`${method} ${path} got no answer: ${(err as Error).message}${causeOf(err)}`);
    }
    const ms = Math.round(performance.now() - started);
    const kept: Record<string, string> = {};
    for (const name of RECORDED_RESPONSE_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) kept[name] = value;
    }
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    const state = auth === "api-token" ? parseRateLimit(kept.ratelimit) : undefined;
    if (state) this.options.budget.observeRemaining(state.remaining);
    this.options.onExchange({
      seq: ++this.seq,
      check,
      method,
      path,
      auth,
      request,
      response: { status: response.status, headers: kept, ...(json === undefined ? { text } : { json }) },
      ms,
    });
    const date = kept.date === undefined ? NaN : Date.parse(kept.date);
    return { status: response.status, headers: kept, json, text, serverNowSeconds: Math.floor((Number.isNaN(date) ? Date.now() : date) / 1000) };
  }
}

function recordedPart(p: Part): RecordedPart {
  return {
    name: p.name,
    ...(p.filename !== undefined ? { filename: p.filename } : {}),
    ...(p.contentType !== undefined ? { contentType: p.contentType } : {}),
    size: Buffer.byteLength(p.content),
    text: p.content,
  };
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? ` (${cause.message})` : "";
}
