import busboy from "busboy";
import { FormData } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CloudflareApiError,
  CloudflareClient,
  CloudflareConfigError,
  MissingCredentialsError,
  routes,
  uploadResultSchema,
  uploadSessionResultSchema,
  type ClientOptions,
  type RetryEvent,
} from "../../src/cloudflare/index.js";
import { envelopeFail, envelopeOk, sendJson, startServer, type Handler, type LoopbackServer, type RecordedRequest } from "./loopback-server.js";

const TOKEN = "tok_live_0123456789abcdefghij0123456789ab";
const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1cGxvYWQiLCJleHAiOjQxMDI0NDQ4MDB9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU";
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const SCRIPT_PATH = `/accounts/${ACCOUNT}/workers/scripts/site`;
const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };

const servers: LoopbackServer[] = [];
const clients: CloudflareClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler): Promise<LoopbackServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

function client(server: LoopbackServer, options: Partial<ClientOptions> = {}): CloudflareClient {
  const c = new CloudflareClient({
    baseUrl: server.baseUrl,
    credentials: { apiToken: TOKEN },
    retry: FAST_RETRY,
    env: {},
    ...options,
  });
  clients.push(c);
  return c;
}

async function rejection(promise: Promise<unknown>): Promise<CloudflareApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CloudflareApiError);
  return error as CloudflareApiError;
}

const anyObject = z.looseObject({});

describe("envelope parsing", () => {
  it("returns the schema-parsed result, status and headers, under the base URL's /client/v4 prefix", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, envelopeOk({ jwt: "j", extra: 1 }), { "x-probe": "yes" }));
    const response = await client(server).request({
      method: "POST",
      path: routes.uploadSessionPath({ accountId: ACCOUNT, namespace: "ns", scriptName: "site" }),
      json: { manifest: {} },
      schema: uploadSessionResultSchema,
    });
    expect(response.status).toBe(200);
    expect(response.result).toMatchObject({ jwt: "j", buckets: [] });
    expect(response.headers["x-probe"]).toBe("yes");
    expect(server.requests[0]?.url).toBe(`/client/v4/accounts/${ACCOUNT}/workers/dispatch/namespaces/ns/scripts/site/assets-upload-session`);
    expect(server.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(server.requests[0]!.body.toString())).toEqual({ manifest: {} });
  });

  it("turns success:false into an http error with codes, messages, method, path and status; 400 is not retried", async () => {
    const server = await serve((_req, res) =>
      sendJson(res, 400, envelopeFail([{ code: 10021, message: "could not read content for part metadata" }])),
    );
    const error = await rejection(client(server).request({ method: "PUT", path: SCRIPT_PATH, json: {}, schema: anyObject }));
    expect(error.kind).toBe("http");
    expect(error.status).toBe(400);
    expect(error.codes).toEqual([10021]);
    expect(error.apiMessages).toEqual(["could not read content for part metadata"]);
    expect(error.method).toBe("PUT");
    expect(error.path).toBe(SCRIPT_PATH);
    expect(error.message).toContain(`PUT ${SCRIPT_PATH}`);
    expect(error.message).toContain("HTTP 400");
    expect(error.message).toContain("[code: 10021]");
    expect(error.retryable).toBe(false);
    expect(error.attempts).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it("treats success:false with HTTP 200 as an error too", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, envelopeFail([{ code: 10013, message: "An unknown error has occurred." }])));
    const error = await rejection(client(server).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject }));
    expect(error.kind).toBe("http");
    expect(error.codes).toEqual([10013]);
    expect(error.hasCode(10013)).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it("reports a non-JSON 502 page as malformed with the start of the body, after retrying it", async () => {
    const html = `<html><head><title>502 Bad Gateway</title></head><body>${"x".repeat(300)}</body></html>`;
    const server = await serve((_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end(html);
    });
    const events: RetryEvent[] = [];
    const error = await rejection(
      client(server, { retry: { ...FAST_RETRY, maxAttempts: 3 }, onRetry: (e) => events.push(e) }).request({
        method: "GET",
        path: SCRIPT_PATH,
        schema: anyObject,
      }),
    );
    expect(error.kind).toBe("malformed");
    expect(error.status).toBe(502);
    expect(error.message).toContain("<html><head><title>502 Bad Gateway</title>");
    expect(error.message).not.toContain("x".repeat(150));
    expect(error.message).toContain("gave up after 3 attempts");
    expect(error.attempts).toBe(3);
    expect(server.requests).toHaveLength(3);
    expect(events.map((e) => [e.attempt, e.maxAttempts, e.status])).toEqual([
      [1, 3, 502],
      [2, 3, 502],
    ]);
  });

  it("rejects result:null where a result is required, but accepts it with allowNullResult", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { success: true, errors: [], messages: [], result: null }));
    const c = client(server);
    const error = await rejection(c.request({ method: "POST", path: SCRIPT_PATH, schema: uploadSessionResultSchema, retry: false }));
    expect(error.kind).toBe("null-result");
    expect(error.message).toContain(`POST ${SCRIPT_PATH}`);
    expect(error.message).toContain('"result": null');
    expect(server.requests).toHaveLength(1);

    const ok = await c.request({ method: "DELETE", path: SCRIPT_PATH, schema: anyObject, allowNullResult: true });
    expect(ok.result).toBeNull();
  });

  it("retries a transient result:null (the session endpoint has answered that)", async () => {
    const server = await serve((_req, res, n) =>
      sendJson(res, 200, { success: true, errors: [], messages: [], result: n === 1 ? null : { jwt: "done", buckets: [] } }),
    );
    const response = await client(server).request({ method: "POST", path: SCRIPT_PATH, schema: uploadSessionResultSchema });
    expect(response.result.jwt).toBe("done");
    expect(server.requests).toHaveLength(2);
  });

  it("accepts 204 with an empty body as success without a result", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const response = await client(server).request({ method: "DELETE", path: SCRIPT_PATH, schema: z.unknown() });
    expect(response.status).toBe(204);
    expect(response.result).toBeUndefined();
    const strict = await rejection(client(server).request({ method: "DELETE", path: SCRIPT_PATH, schema: anyObject }));
    expect(strict.kind).toBe("null-result");
    expect(strict.attempts).toBe(1);
  });

  it("reports a result that fails the schema, naming the field, without retrying", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, envelopeOk({ jwt: 42, buckets: "nope" })));
    const error = await rejection(client(server).request({ method: "POST", path: SCRIPT_PATH, schema: uploadSessionResultSchema }));
    expect(error.kind).toBe("schema");
    expect(error.message).toContain("buckets");
    expect(error.message).toContain("HTTP 200");
    expect(server.requests).toHaveLength(1);
  });

  it("reports JSON that is not an API envelope as malformed", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { hello: "world" }));
    const error = await rejection(client(server).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject }));
    expect(error.kind).toBe("malformed");
    expect(error.message).toContain("not a Cloudflare API envelope");
  });
});

describe("secrets never reach error messages", () => {
  it("redacts the API token when the server echoes it back", async () => {
    const server = await serve((req, res) =>
      sendJson(res, 403, envelopeFail([{ code: 9109, message: `Invalid access token: ${String(req.headers.authorization)}` }])),
    );
    const error = await rejection(client(server).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject }));
    expect(error.status).toBe(403);
    expect(error.message).not.toContain(TOKEN);
    expect(error.apiMessages.join(" ")).not.toContain(TOKEN);
    expect(error.message).toContain("[redacted]");
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it("redacts the upload JWT echoed in a non-JSON body and in an error message", async () => {
    const server = await serve((req, res, n) => {
      if (n === 1) {
        res.writeHead(403, { "content-type": "text/plain" });
        res.end(`Expired JWT ${String(req.headers.authorization)}`);
      } else {
        sendJson(res, 401, envelopeFail([{ code: 10000, message: `bad token ${JWT}` }]));
      }
    });
    const c = client(server);
    const first = await rejection(
      c.request({ method: "POST", path: routes.bulkUploadPath(ACCOUNT), auth: { bearer: JWT }, schema: uploadResultSchema }),
    );
    expect(first.status).toBe(403);
    expect(first.kind).toBe("malformed");
    expect(first.message).toContain("Expired JWT");
    expect(first.message).not.toContain(JWT);
    expect(first.message).not.toContain(JWT.split(".")[1]!);
    const second = await rejection(
      c.request({ method: "POST", path: routes.bulkUploadPath(ACCOUNT), auth: { bearer: JWT }, schema: uploadResultSchema }),
    );
    expect(second.status).toBe(401);
    expect(second.message).not.toContain(JWT);
    expect(second.apiMessages.join(" ")).not.toContain(JWT);
  });

  it("redacts the legacy API key", async () => {
    const key = "legacy-global-api-key-0123456789";
    const server = await serve((req, res) =>
      sendJson(res, 400, envelopeFail([{ code: 6003, message: `Invalid X-Auth-Key ${String(req.headers["x-auth-key"])}` }])),
    );
    const error = await rejection(
      client(server, { credentials: { apiKey: key, email: "ops@example.com" } }).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject }),
    );
    expect(error.message).not.toContain(key);
  });
});

describe("authentication headers", () => {
  const okHandler: Handler = (_req, res) => sendJson(res, 200, envelopeOk({}));

  it("sends the API token as a bearer token and nothing else", async () => {
    const server = await serve(okHandler);
    await client(server).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject });
    const headers = server.requests[0]!.headers;
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(headers["x-auth-key"]).toBeUndefined();
    expect(headers["x-auth-email"]).toBeUndefined();
    expect(headers["user-agent"]).toBe("pulumi-wfp-assets");
  });

  it("sends the legacy key and email without an Authorization header", async () => {
    const server = await serve(okHandler);
    await client(server, { credentials: { apiKey: "global-key-123456", email: "ops@example.com" } }).request({
      method: "GET",
      path: SCRIPT_PATH,
      schema: anyObject,
    });
    const headers = server.requests[0]!.headers;
    expect(headers["x-auth-key"]).toBe("global-key-123456");
    expect(headers["x-auth-email"]).toBe("ops@example.com");
    expect(headers.authorization).toBeUndefined();
  });

  it("sends only the upload JWT on bearer requests, whatever API credentials the client holds", async () => {
    const server = await serve(okHandler);
    for (const credentials of [{ apiToken: TOKEN }, { apiKey: "global-key-123456", email: "ops@example.com" }]) {
      await client(server, { credentials }).request({
        method: "POST",
        path: routes.bulkUploadPath(ACCOUNT),
        auth: { bearer: JWT },
        // A caller cannot smuggle credentials in through extra headers either.
        headers: { "X-Auth-Key": "global-key-123456", Authorization: `Bearer ${TOKEN}` },
        schema: uploadResultSchema,
      });
    }
    for (const recorded of server.requests) {
      expect(recorded.headers.authorization).toBe(`Bearer ${JWT}`);
      expect(recorded.headers["x-auth-key"]).toBeUndefined();
      expect(recorded.headers["x-auth-email"]).toBeUndefined();
      expect(recorded.url).toBe(`/client/v4/accounts/${ACCOUNT}/workers/assets/upload?base64=true`);
    }
  });

  it("bearer requests work without API credentials; API requests then fail with MissingCredentialsError", async () => {
    const server = await serve(okHandler);
    const c = new CloudflareClient({ baseUrl: server.baseUrl, env: {} });
    clients.push(c);
    await c.request({ method: "POST", path: routes.bulkUploadPath(ACCOUNT), auth: { bearer: JWT }, schema: uploadResultSchema });
    await expect(c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject })).rejects.toBeInstanceOf(MissingCredentialsError);
    expect(server.requests).toHaveLength(1);
  });

  it("falls back to credentials and base URL from the env option", async () => {
    const server = await serve(okHandler);
    const c = new CloudflareClient({ env: { CLOUDFLARE_API_BASE_URL: `${server.baseUrl}/`, CLOUDFLARE_API_TOKEN: TOKEN } });
    clients.push(c);
    expect(c.baseUrl).toBe(server.baseUrl);
    await c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject });
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(server.requests[0]?.url).toBe(`/client/v4${SCRIPT_PATH}`);
  });

  it("rejects an invalid base URL option with an error naming it", () => {
    expect(() => new CloudflareClient({ baseUrl: "ftp://example.test/client/v4", env: {} })).toThrow(CloudflareConfigError);
    expect(() => new CloudflareClient({ baseUrl: "not a url", env: {} })).toThrow(/baseUrl option/);
    expect(() => new CloudflareClient({ env: { CLOUDFLARE_API_BASE_URL: "nope" } })).toThrow(/CLOUDFLARE_API_BASE_URL/);
  });
});

describe("retries", () => {
  it.each([500, 502, 503, 504, 524])("retries HTTP %i with backoff until it succeeds", async (status) => {
    const server = await serve((_req, res, n) =>
      n <= 2 ? sendJson(res, status, envelopeFail([{ code: 1, message: "try later" }])) : sendJson(res, 200, envelopeOk({ ok: true })),
    );
    const events: RetryEvent[] = [];
    const response = await client(server, { onRetry: (e) => events.push(e) }).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject });
    expect(response.result).toEqual({ ok: true });
    expect(server.requests).toHaveLength(3);
    expect(events).toHaveLength(2);
    expect(events.map((e) => e.attempt)).toEqual([1, 2]);
    for (const event of events) {
      expect(event).toMatchObject({ method: "GET", path: SCRIPT_PATH, maxAttempts: 5, status, reason: `HTTP ${status}` });
      expect(event.delayMs).toBeGreaterThanOrEqual(0);
      expect(event.delayMs).toBeLessThanOrEqual(FAST_RETRY.maxDelayMs);
    }
  });

  it("gives up after maxAttempts and says so", async () => {
    const server = await serve((_req, res) => sendJson(res, 503, envelopeFail([{ code: 1, message: "overloaded" }])));
    const error = await rejection(client(server, { retry: { ...FAST_RETRY, maxAttempts: 4 } }).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject }));
    expect(error.status).toBe(503);
    expect(error.retryable).toBe(true);
    expect(error.attempts).toBe(4);
    expect(error.message).toContain("gave up after 4 attempts");
    expect(server.requests).toHaveLength(4);
  });

  it.each([400, 401, 403, 404, 409])("does not retry HTTP %i", async (status) => {
    const server = await serve((_req, res) => sendJson(res, status, envelopeFail([{ code: 10007, message: "no" }])));
    const events: RetryEvent[] = [];
    const error = await rejection(client(server, { onRetry: (e) => events.push(e) }).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject }));
    expect(error.status).toBe(status);
    expect(error.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
    expect(events).toHaveLength(0);
  });

  it("retries when the server destroys the socket", async () => {
    const server = await serve((req, res, n) => {
      if (n <= 2) {
        res.socket?.destroy();
        return;
      }
      sendJson(res, 200, envelopeOk({ ok: true }));
    });
    const events: RetryEvent[] = [];
    const response = await client(server, { onRetry: (e) => events.push(e) }).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject });
    expect(response.result).toEqual({ ok: true });
    expect(server.requests).toHaveLength(3);
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event.status).toBeUndefined();
      expect(event.reason).toMatch(/^(socket closed \(UND_ERR_SOCKET\)|ECONNRESET|EPIPE)$/);
    }
  });

  it("retries a refused connection and reports a network error when it never comes back", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, envelopeOk({})));
    const baseUrl = server.baseUrl;
    await servers.pop()!.close();
    const events: RetryEvent[] = [];
    const c = new CloudflareClient({ baseUrl, credentials: { apiToken: TOKEN }, retry: { ...FAST_RETRY, maxAttempts: 3 }, onRetry: (e) => events.push(e), env: {} });
    clients.push(c);
    const error = await rejection(c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject }));
    expect(error.kind).toBe("network");
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.attempts).toBe(3);
    expect(events.map((e) => e.reason)).toEqual(["ECONNREFUSED", "ECONNREFUSED"]);
  });

  it("times out a request that gets no answer and retries it", async () => {
    const server = await serve((_req, res, n) => {
      if (n === 1) return; // never answer
      sendJson(res, 200, envelopeOk({ ok: true }));
    });
    const events: RetryEvent[] = [];
    const response = await client(server, { timeoutMs: 200, onRetry: (e) => events.push(e) }).request({
      method: "GET",
      path: SCRIPT_PATH,
      schema: anyObject,
    });
    expect(response.result).toEqual({ ok: true });
    expect(server.requests).toHaveLength(2);
    expect(events.map((e) => e.reason)).toEqual(["timeout after 0.2s"]);
  });

  it("times out a response whose body stalls after the headers", async () => {
    const server = await serve((_req, res, n) => {
      if (n === 1) {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"success":true,"errors":[],');
        return; // stall mid-body
      }
      sendJson(res, 200, envelopeOk({ ok: true }));
    });
    const events: RetryEvent[] = [];
    const response = await client(server, { onRetry: (e) => events.push(e) }).request({
      method: "GET",
      path: SCRIPT_PATH,
      schema: anyObject,
      timeoutMs: 200,
    });
    expect(response.result).toEqual({ ok: true });
    expect(server.requests).toHaveLength(2);
    expect(events.map((e) => e.reason)).toEqual(["timeout after 0.2s"]);
  });

  it("reports a timeout error once the attempts are used up", async () => {
    const server = await serve(() => undefined);
    const error = await rejection(
      client(server, { timeoutMs: 100, retry: { ...FAST_RETRY, maxAttempts: 2 } }).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject }),
    );
    expect(error.kind).toBe("timeout");
    expect(error.status).toBeUndefined();
    expect(error.message).toContain(`GET ${SCRIPT_PATH}`);
    expect(error.message).toContain("0.1s");
    expect(error.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
  });

  it("honours Retry-After (seconds) on 429", async () => {
    const arrivals: number[] = [];
    const server = await serve((_req, res, n) => {
      arrivals.push(Date.now());
      if (n === 1) sendJson(res, 429, envelopeFail([{ code: 971, message: "rate limited" }]), { "retry-after": "1" });
      else sendJson(res, 200, envelopeOk({ ok: true }));
    });
    const events: RetryEvent[] = [];
    const response = await client(server, { onRetry: (e) => events.push(e) }).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject });
    expect(response.result).toEqual({ ok: true });
    expect(events).toEqual([
      { method: "GET", path: SCRIPT_PATH, attempt: 1, maxAttempts: 5, delayMs: 1000, reason: "HTTP 429 (Retry-After 1s)", status: 429 },
    ]);
    // The backoff alone would have waited at most 5 ms; the server saw the retry after the asked-for second.
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(950);
  });

  it("fails fast when Retry-After exceeds the cap", async () => {
    const server = await serve((_req, res) => sendJson(res, 429, envelopeFail([{ code: 971, message: "rate limited" }]), { "retry-after": "120" }));
    const events: RetryEvent[] = [];
    const error = await rejection(client(server, { onRetry: (e) => events.push(e) }).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject }));
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(120_000);
    expect(error.message).toContain("Retry-After");
    expect(error.message).toContain("120s");
    expect(error.message).toContain("maxRetryAfterMs");
    expect(server.requests).toHaveLength(1);
    expect(events).toHaveLength(0);
  });

  it("uses the request's own cap and backoff when 429 has no Retry-After", async () => {
    const server = await serve((_req, res, n) =>
      n === 1 ? sendJson(res, 429, envelopeFail([{ code: 971, message: "rate limited" }])) : sendJson(res, 200, envelopeOk({})),
    );
    const events: RetryEvent[] = [];
    await client(server, { onRetry: (e) => events.push(e) }).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject });
    expect(events).toHaveLength(1);
    expect(events[0]?.reason).toBe("HTTP 429");
    expect(events[0]?.delayMs).toBeLessThanOrEqual(FAST_RETRY.baseDelayMs);
  });

  it("makes a single attempt with retry: false, and a per-request onRetry replaces the client's", async () => {
    const server = await serve((_req, res) => sendJson(res, 503, envelopeFail([{ code: 1, message: "x" }])));
    const clientEvents: RetryEvent[] = [];
    const requestEvents: RetryEvent[] = [];
    const c = client(server, { onRetry: (e) => clientEvents.push(e) });
    const error = await rejection(c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject, retry: false }));
    expect(error.attempts).toBe(1);
    expect(server.requests).toHaveLength(1);
    await rejection(c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject, retry: { maxAttempts: 2 }, onRetry: (e) => requestEvents.push(e) }));
    expect(requestEvents).toHaveLength(1);
    expect(clientEvents).toHaveLength(0);
  });

  it("stops waiting when the caller's signal aborts", async () => {
    const server = await serve((_req, res) => sendJson(res, 503, envelopeFail([{ code: 1, message: "x" }])));
    const controller = new AbortController();
    const c = client(server, { retry: { baseDelayMs: 10_000, maxDelayMs: 10_000 }, onRetry: () => controller.abort(new Error("deploy cancelled")) });
    // Full jitter may pick a 0 ms delay; the abort is synchronous in onRetry, so the sleep rejects at once either way.
    await expect(c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject, signal: controller.signal })).rejects.toThrow("deploy cancelled");
    expect(server.requests).toHaveLength(1);
  });
});

interface Part {
  name: string;
  filename: string | undefined;
  mimeType: string;
  data: string;
}

function parseMultipart(recorded: RecordedRequest): Promise<Part[]> {
  return new Promise((resolve, reject) => {
    const parts: Part[] = [];
    const parser = busboy({ headers: recorded.headers });
    parser.on("file", (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => parts.push({ name, filename: info.filename, mimeType: info.mimeType, data: Buffer.concat(chunks).toString() }));
    });
    parser.on("field", (name, value, info) => parts.push({ name, filename: undefined, mimeType: info.mimeType, data: value }));
    parser.on("close", () => resolve(parts));
    parser.on("error", reject);
    parser.end(recorded.body);
  });
}

describe("multipart bodies", () => {
  it("rebuilds the FormData for every attempt so each one arrives intact", async () => {
    const server = await serve((_req, res, n) =>
      n <= 2 ? sendJson(res, 503, envelopeFail([{ code: 1, message: "busy" }])) : sendJson(res, 201, envelopeOk({ jwt: "completion" })),
    );
    let built = 0;
    const files = [
      { hash: "a".repeat(32), body: Buffer.from("<h1>hello</h1>").toString("base64"), type: "text/html; charset=utf-8" },
      { hash: "b".repeat(32), body: Buffer.from("body{}").toString("base64"), type: "text/css; charset=utf-8" },
    ];
    const response = await client(server).request({
      method: "POST",
      path: routes.bulkUploadPath(ACCOUNT),
      // The deploy flow passes base64 as a query too; it must not appear twice.
      query: { base64: "true" },
      auth: { bearer: JWT },
      form: () => {
        built++;
        const form = new FormData();
        for (const f of files) form.append(f.hash, new File([f.body], f.hash, { type: f.type }), f.hash);
        return form;
      },
      schema: uploadResultSchema,
    });
    expect(response.status).toBe(201);
    expect(response.result.jwt).toBe("completion");
    expect(built).toBe(3);
    expect(server.requests).toHaveLength(3);
    for (const recorded of server.requests) {
      expect(recorded.url).toBe(`/client/v4/accounts/${ACCOUNT}/workers/assets/upload?base64=true`);
      expect(recorded.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
      const parts = await parseMultipart(recorded);
      expect(parts).toEqual(files.map((f) => ({ name: f.hash, filename: f.hash, mimeType: f.type.split(";")[0], data: f.body })));
    }
  });

  it("sends a metadata field without filename, as the script PUT needs", async () => {
    const server = await serve((_req, res) =>
      sendJson(res, 200, envelopeOk({ id: "site", etag: "e1", has_assets: true, created_on: "2026-01-01T00:00:00Z", modified_on: "2026-01-02T00:00:00Z" })),
    );
    const metadata = { assets: { jwt: "completion", config: { html_handling: "auto-trailing-slash" } } };
    await client(server).request({
      method: "PUT",
      path: SCRIPT_PATH,
      form: () => {
        const form = new FormData();
        form.append("metadata", JSON.stringify(metadata));
        return form;
      },
      schema: anyObject,
    });
    const parts = await parseMultipart(server.requests[0]!);
    expect(parts).toEqual([{ name: "metadata", filename: undefined, mimeType: "text/plain", data: JSON.stringify(metadata) }]);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });
});

describe("lifecycle", () => {
  it("close() releases the client; later requests are refused; close is idempotent", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, envelopeOk({})));
    const c = client(server);
    await c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject });
    await c.close();
    await c.close();
    await expect(c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject })).rejects.toThrow(/closed/);
    expect(server.requests).toHaveLength(1);
  });

  it("reuses keep-alive connections for sequential requests", async () => {
    const sockets = new Set<unknown>();
    const server = await serve((_req, res) => {
      sockets.add(res.socket);
      sendJson(res, 200, envelopeOk({}));
    });
    const c = client(server);
    for (let i = 0; i < 6; i++) await c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject });
    expect(server.requests).toHaveLength(6);
    // undici's pool may open a second socket while the first is finishing a response; never one per request.
    expect(sockets.size).toBeLessThanOrEqual(2);
  });
});
