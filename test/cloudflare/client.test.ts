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
  resolveTransportSettings,
  withRequestObserver,
  type BudgetWait,
  type ClientOptions,
  type RetryEvent,
  type TransportSettingsInput,
} from "../../src/cloudflare/index.js";
import { envelopeFail, envelopeOk, sendJson, startServer, type Handler, type LoopbackServer, type RecordedRequest } from "./loopback-server.js";

const TOKEN = "tok_live_0123456789abcdefghij0123456789ab";
const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1cGxvYWQiLCJleHAiOjQxMDI0NDQ4MDB9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU";
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const SCRIPT_PATH = `/accounts/${ACCOUNT}/workers/scripts/site`;
const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20, gatewayDelayMs: 5 };

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
  it.each([500, 502, 503, 504])("retries HTTP %i with backoff until it succeeds", async (status) => {
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
      expect(event).toMatchObject({ method: "GET", path: SCRIPT_PATH, maxAttempts: 5, status, reason: `HTTP ${status}`, kind: "http", counted: true });
      expect(event.delayMs).toBeGreaterThanOrEqual(0);
      expect(event.delayMs).toBeLessThanOrEqual(FAST_RETRY.maxDelayMs);
    }
  });

  it("is as patient with 524 as wrangler: the first four do not use up attempts and add 5 s·2^n (scaled here)", async () => {
    const server = await serve((_req, res, n) =>
      n <= 5 ? sendJson(res, 524, envelopeFail([{ code: 1, message: "origin timeout" }])) : sendJson(res, 200, envelopeOk({ ok: true })),
    );
    const events: RetryEvent[] = [];
    const c = client(server, { retry: { ...FAST_RETRY, maxAttempts: 2, gatewayDelayMs: 10 }, onRetry: (e) => events.push(e) });
    const response = await c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject });
    expect(response.result).toEqual({ ok: true });
    expect(server.requests).toHaveLength(6);
    // Two attempts allowed, six tries made: four free gateway retries, then the fifth 524 used up attempt 1.
    expect(events.map((e) => [e.attempt, e.counted])).toEqual([[1, false], [1, false], [1, false], [1, false], [1, true]]);
    events.forEach((event, i) => {
      const extra = 10 * 2 ** i;
      expect(event.delayMs).toBeGreaterThanOrEqual(extra);
      expect(event.delayMs).toBeLessThanOrEqual(extra + FAST_RETRY.maxDelayMs);
    });
    // Past the free ones, 524s use up attempts like any retryable answer.
    const always = await serve((_req, res) => sendJson(res, 524, envelopeFail([{ code: 1, message: "origin timeout" }])));
    const error = await rejection(client(always, { retry: { ...FAST_RETRY, maxAttempts: 2, gatewayDelayMs: 1 } }).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject }));
    expect(error.status).toBe(524);
    expect(always.requests).toHaveLength(6);
    // retry: false means one try, gateway or not.
    const once = await serve((_req, res) => sendJson(res, 524, envelopeFail([{ code: 1, message: "origin timeout" }])));
    await rejection(client(once).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject, retry: false }));
    expect(once.requests).toHaveLength(1);
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
      { method: "GET", path: SCRIPT_PATH, attempt: 1, maxAttempts: 5, delayMs: 1000, reason: "HTTP 429 (Retry-After 1s)", status: 429, kind: "http", counted: false },
    ]);
    // The backoff alone would have waited at most 5 ms; the server saw the retry after the asked-for second.
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(950);
  });

  it("still fails fast when a 5xx asks for a Retry-After beyond retry.maxRetryAfterMs", async () => {
    const server = await serve((_req, res) => sendJson(res, 503, envelopeFail([{ code: 1, message: "maintenance" }]), { "retry-after": "120" }));
    const events: RetryEvent[] = [];
    const error = await rejection(client(server, { onRetry: (e) => events.push(e) }).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject }));
    expect(error.status).toBe(503);
    expect(error.retryAfterMs).toBe(120_000);
    expect(error.message).toContain("120s");
    expect(error.message).toContain("maxRetryAfterMs");
    expect(server.requests).toHaveLength(1);
    expect(events).toHaveLength(0);
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

/** Transport settings from the same object a stack config or CLI flags become; no environment. */
function transport(input: TransportSettingsInput) {
  return resolveTransportSettings({ env: {}, input });
}

/** The most arrivals within any `windowMs` at the server. */
function maxInAnyWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0; i < sorted.length; i++) max = Math.max(max, sorted.filter((t) => t >= sorted[i]! && t < sorted[i]! + windowMs).length);
  return max;
}

describe("API budget and rate limits", () => {
  it("a 429 holds every request on the budget until Retry-After, and uses up no attempt of any of them", async () => {
    const arrivals: number[] = [];
    const server = await serve((_req, res, n) => {
      arrivals.push(Date.now());
      if (n === 1) sendJson(res, 429, envelopeFail([{ code: 971, message: "rate limited" }]), { "retry-after": "2" });
      else sendJson(res, 200, envelopeOk({ n }));
    });
    // Two clients of the same origin and token share the process's budget (as the provider's per-call clients do).
    const waits: BudgetWait[] = [];
    const first = client(server, { retry: { ...FAST_RETRY, maxAttempts: 1 } });
    const second = client(server, { retry: { ...FAST_RETRY, maxAttempts: 1 }, onBudgetWait: (w) => waits.push(w) });
    expect(second.budget).toBe(first.budget);
    const limited = first.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject });
    while (arrivals.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100)); // the 429 is in: the block is set
    const unrelated = second.request({ method: "GET", path: `${SCRIPT_PATH}/settings`, schema: anyObject });
    const [a, b] = await Promise.all([limited, unrelated]);
    expect(a.result).toBeDefined();
    expect(b.result).toBeDefined();
    expect(server.requests).toHaveLength(3);
    // Neither retry reached the server before the two seconds were over (timers may round a few ms).
    expect(Math.min(arrivals[1]!, arrivals[2]!) - arrivals[0]!).toBeGreaterThanOrEqual(1950);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ reason: "rate-limited" });
  });

  it("past the wait bound, fails naming the wait, the budget and the settings to change", async () => {
    const server = await serve((_req, res) => sendJson(res, 429, envelopeFail([{ code: 971, message: "rate limited" }]), { "retry-after": "900" }));
    const c = client(server, { transport: transport({ rateLimitWait: "6m" }) });
    const error = await rejection(c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject }));
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(900_000);
    expect(error.message).toContain("rate limited [code: 971]");
    expect(error.message).toContain("calls must wait another 15 min, more than the 6 min a request waits out rate limiting (`rateLimitWait` (WFP_ASSETS_RATE_LIMIT_WAIT))");
    expect(error.message).toContain("paces its calls to 1,200 calls per 300 s (60 kept in reserve), at most 100 per second (`apiBudget` (WFP_ASSETS_API_BUDGET))");
    expect(server.requests).toHaveLength(1);
    // The block stays: the next request of the budget fails at once instead of drawing another 429.
    const next = await rejection(c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject }));
    expect(next.message).toMatch(/failed: the API is rate limiting this token \(HTTP 429\) and calls must wait another 1[45] min/);
    expect(server.requests).toHaveLength(1);
  });

  it("a 429 without Retry-After is Cloudflare's five-minute block", async () => {
    const server = await serve((_req, res) => sendJson(res, 429, envelopeFail([{ code: 971, message: "rate limited" }])));
    const error = await rejection(client(server, { transport: transport({ rateLimitWait: "1m" }) }).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject }));
    expect(error.retryAfterMs).toBe(300_000);
    expect(error.message).toContain("calls must wait another 5 min");
  });

  it("paces calls to the budget: never more than the limit in any window", async () => {
    const arrivals: number[] = [];
    const server = await serve((_req, res) => {
      arrivals.push(Date.now());
      sendJson(res, 200, envelopeOk({}));
    });
    const waits: BudgetWait[] = [];
    const c = client(server, { transport: transport({ apiBudget: "3/1s", apiBudgetReserve: "0", apiPerSecond: "off" }), onBudgetWait: (w) => waits.push(w) });
    await Promise.all(Array.from({ length: 7 }, () => c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject })));
    expect(arrivals).toHaveLength(7);
    // Measured at the server, so allow for the loopback's few milliseconds of jitter between calls.
    expect(maxInAnyWindow(arrivals, 950)).toBe(3);
    // Calls queued from the fourth to the seventh without a break: one wait, told once, however many calls waited.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ reason: "budget", limit: 3, windowMs: 1000, waitMs: 1000 });
  });

  it("reads the server's Ratelimit header: no more calls than it says are left until its reset, one line per wait", async () => {
    const arrivals: number[] = [];
    const server = await serve((_req, res, n) => {
      arrivals.push(Date.now());
      sendJson(res, 200, envelopeOk({ n }), n === 1 ? { ratelimit: '"default";r=0;t=2', "ratelimit-policy": '"burst";q=1200;w=300' } : {});
    });
    const waits: BudgetWait[] = [];
    const c = client(server, { onBudgetWait: (w) => waits.push(w) });
    await c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject });
    await Promise.all([1, 2, 3].map(() => c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject })));
    expect(arrivals).toHaveLength(4);
    expect(Math.min(...arrivals.slice(1)) - arrivals[0]!).toBeGreaterThanOrEqual(1900);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ reason: "server", remaining: 0, limit: 1200, windowMs: 300_000 });
  });

  it("a wait is told to the enclosing withRequestObserver scope instead of the client, once per scope", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, envelopeOk({})));
    const told = { client: [] as BudgetWait[], scope: [] as BudgetWait[], other: [] as BudgetWait[] };
    const c = client(server, { transport: transport({ apiBudget: "2/1500ms", apiBudgetReserve: "0", apiPerSecond: "off" }), onBudgetWait: (w) => told.client.push(w) });
    const get = () => c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject });
    await Promise.all([
      withRequestObserver({ onBudgetWait: (w) => told.scope.push(w) }, () => Promise.all([get(), get(), get(), get()])),
      withRequestObserver({ onBudgetWait: (w) => told.other.push(w) }, () => Promise.all([get(), get()])),
    ]);
    // Six calls, two per 1.5 s: one wait, told once to each scope whose calls waited, and not to the client.
    expect(told.scope).toHaveLength(1);
    expect(told.other).toHaveLength(1);
    expect(told.other[0]!.id).toBe(told.scope[0]!.id);
    expect(told.client).toEqual([]);
    // Outside any scope, the client's own observer hears the next wait.
    await Promise.all([get(), get(), get()]);
    expect(told.client).toHaveLength(1);
    expect(told.client[0]!.id).toBeGreaterThan(told.scope[0]!.id);
  });

  it("upload-JWT calls skip pacing when they do not count, and take slots when they do", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, envelopeOk({})));
    const bearer = (c: CloudflareClient) => c.request({ method: "POST", path: routes.bulkUploadPath(ACCOUNT), auth: { bearer: JWT }, json: {}, schema: anyObject });
    const free = client(server, { transport: transport({ apiBudget: "1/1m", apiBudgetReserve: "0", countUploadCalls: false }) });
    await Promise.all([bearer(free), bearer(free), bearer(free)]);
    expect(free.budget.snapshot().callsInWindow).toBe(0);
    const counted = client(server, { transport: transport({ apiBudget: "1/1m", apiBudgetReserve: "0", countUploadCalls: true }) });
    await bearer(counted);
    expect(counted.budget.snapshot().callsInWindow).toBe(1);
  });
});

describe("timeouts", () => {
  /** Answers with headers at once, then the body one byte every `everyMs`. */
  function trickle(bytes: number, everyMs: number): Handler {
    return (_req, res) => {
      const body = JSON.stringify(envelopeOk({ pad: "x".repeat(bytes) }));
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      let at = 0;
      const step = Math.ceil(body.length / bytes);
      const timer = setInterval(() => {
        res.write(body.slice(at, at + step));
        at += step;
        if (at >= body.length) {
          clearInterval(timer);
          res.end();
        }
      }, everyMs);
      res.on("close", () => clearInterval(timer));
    };
  }

  it("the idle timeout lets an answer that keeps moving take longer than the timeout", async () => {
    const server = await serve(trickle(12, 100));
    const response = await client(server, { idleTimeoutMs: 400 }).request({ method: "GET", path: SCRIPT_PATH, schema: anyObject });
    expect(response.result).toMatchObject({ pad: "x".repeat(12) });
  });

  it("requestTimeoutMs caps a whole attempt however busy it is, and names its setting", async () => {
    const server = await serve(trickle(30, 100));
    const c = client(server, { transport: transport({ idleTimeout: "1s", requestTimeout: "500ms", retryAttempts: 1 }) });
    const error = await rejection(c.request({ method: "GET", path: SCRIPT_PATH, schema: anyObject }));
    expect(error.kind).toBe("timeout");
    expect(error.message).toMatch(/not complete within 0\.5s \(while receiving the answer \(\d+ bytes received\)\); the cap on a whole request is `requestTimeout` \(WFP_ASSETS_REQUEST_TIMEOUT\)/);
  });
});
