/**
 * Access is decided by the route that matched (packages/platform-service/src/http/access.ts), so no spelling of
 * a path gets past it: every route × methods × many spellings of its path, over a real socket with the target
 * sent as is, without a token, with a wrong one and with another tenant's token → 401, or an answer no handler
 * produced (Node's parser refusing the request line), or the public /healthz. Afterwards nothing was accepted:
 * no tenant folder, no upload left, no operation queued. Then what a token may do: the platform token every
 * route, a tenant token only its own tenant's routes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { siteArchive } from "../archives.js";
import { API_TOKEN, startTestApp, type TestApp } from "./app-fixture.js";
import { spellings } from "./path-spellings.js";
import { head, rawRequest, type RawAnswer } from "./raw-http.js";

let t: TestApp;
const DEPLOYMENT = "mi2x5k1a-0f3c9b2e";
const ARCHIVE = siteArchive("tar.gz", { "index.html": "<h1>evil</h1>" });

const ROUTES: Array<{ method: string; path: string }> = [
  { method: "PUT", path: "/tenants/acme/site" },
  { method: "GET", path: "/tenants/acme" },
  { method: "GET", path: `/tenants/acme/deployments/${DEPLOYMENT}` },
  { method: "GET", path: `/tenants/acme/deployments/${DEPLOYMENT}/events` },
  { method: "DELETE", path: "/tenants/acme" },
  { method: "POST", path: "/tenants/acme/unlock" },
  { method: "POST", path: "/tenants/acme/tokens" },
];
const ALL_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"];

beforeAll(async () => {
  t = await startTestApp();
  // A tenant that exists (a queued upload; this replica runs no jobs): a bypass of any kind would show on it.
  const accepted = await send("PUT", "/tenants/acme/site", { authorization: `Bearer ${API_TOKEN}` });
  expect(accepted.status, accepted.body).toBe(202);
}, 10 * 60_000);

afterAll(async () => {
  await t?.close();
});

function send(method: string, target: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const body = method === "PUT" || method === "POST" ? ARCHIVE : undefined;
  const all = body ? { ...headers, "content-length": String(body.length) } : headers;
  return rawRequest({ port: t.port, head: head(method, target, all), body: body ? [body] : [] });
}

/** What fastify's client-error handler writes when Node's parser refuses a request (no route, no handler ran). */
const PARSER_REFUSAL = '{"error":"Bad Request","message":"Client Error","statusCode":400}';

/** 401 (our answer, same body everywhere), the public health answer, or a 400 for a request Node's parser refused. */
function verdict(answer: RawAnswer, method: string): "unauthorized" | "health" | "parser" | "other" {
  if (answer.status === 401 && (method === "HEAD" || JSON.parse(answer.body).error === "unauthorized")) return "unauthorized";
  if (answer.status === 200 && (method === "HEAD" ? answer.body === "" : answer.body === '{"ok":true}')) return "health";
  if (answer.status === 400 && (answer.body === "" || answer.body === PARSER_REFUSAL)) return "parser";
  return "other";
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

describe("access by the route that matched", () => {
  const credentials: Array<[string, Record<string, string>]> = [
    ["no token", {}],
    ["a wrong token", { authorization: "Bearer platform-api-token-5f0c2e9a7X" }],
    ["the token without Bearer", { authorization: API_TOKEN }],
    ["a token in another scheme", { authorization: `Basic ${API_TOKEN}` }],
  ];

  it.each(credentials)("with %s, every spelling of every route is refused", async (_name, headers) => {
    const cases: Array<{ method: string; target: string }> = [];
    for (const route of ROUTES) {
      for (const target of spellings(route.path)) {
        for (const method of new Set([route.method, "GET"])) cases.push({ method, target });
      }
      for (const method of ALL_METHODS) cases.push({ method, target: route.path });
    }
    const wrong: string[] = [];
    const seen = { unauthorized: 0, health: 0, parser: 0 };
    await inBatches(cases, 16, async ({ method, target }) => {
      const answer = await send(method, target, headers);
      const v = verdict(answer, method);
      if (v === "other") wrong.push(`${method} ${target} → ${answer.status} ${answer.body.slice(0, 120)}`);
      else seen[v]++;
    });
    expect(wrong).toEqual([]);
    // The table really went through the router: most answers are our 401.
    expect(seen.unauthorized).toBeGreaterThan(cases.length * 0.8);
    expect(cases.length).toBeGreaterThan(1000);
  }, 120_000);

  it("the issue's requests: percent-encoded /tenants without a token", async () => {
    for (const [method, target] of [
      ["PUT", "/%74enants/evil/site"],
      ["DELETE", "/%74enants/acme"],
      ["POST", "/%74enants/acme/unlock"],
      ["GET", "/%74enants/acme"],
    ] as const) {
      expect((await send(method, target)).status, `${method} ${target}`).toBe(401);
    }
  });

  it("answers the same before authentication whether a tenant exists or not (no enumeration)", async () => {
    for (const suffix of ["", "/deployments/" + DEPLOYMENT, "/deployments/" + DEPLOYMENT + "/events", "/deployments/nope"]) {
      const known = await send("GET", `/tenants/acme${suffix}`);
      const unknown = await send("GET", `/tenants/nobody-here${suffix}`);
      const invalid = await send("GET", `/tenants/-bad-name${suffix}`);
      expect(known.status).toBe(401);
      expect(unknown.body).toBe(known.body);
      expect(invalid.body).toBe(known.body);
    }
    expect((await send("GET", "/no/such/route")).body).toBe((await send("GET", "/tenants/acme")).body);
  });

  it("unmatched paths are refused too, and with the token they are a 404 that names the path", async () => {
    expect((await send("GET", "/admin")).status).toBe(401);
    const found = await send("GET", "/admin", { authorization: `Bearer ${API_TOKEN}` });
    expect(found.status).toBe(404);
    expect(JSON.parse(found.body)).toMatchObject({ error: "not-found" });
  });

  it("after all of it, nothing was accepted: no tenant folder, no upload left, no operation but the first upload", async () => {
    // The one accepted upload waits in the database for a replica that runs jobs; nothing is left on disk.
    expect(t.leftovers()).toEqual([]);
    expect(await t.open("acme")).toEqual(["deploy"]);
    expect(await t.open("evil")).toEqual([]);
  });
});

describe("tokens", () => {
  const platform = { authorization: `Bearer ${API_TOKEN}` };

  async function tenantToken(tenant: string, query = ""): Promise<string> {
    const answer = await rawRequest({ port: t.port, head: head("POST", `/tenants/${tenant}/tokens${query}`, platform) });
    expect(answer.status, answer.body).toBe(201);
    const body = JSON.parse(answer.body) as { token: string; tenant: string; expiresAt: string };
    expect(body.tenant).toBe(tenant);
    return body.token;
  }

  it("the platform token reaches every route; a spelled-out path reaches the same route", async () => {
    expect((await send("GET", "/tenants/acme", platform)).status).toBe(200);
    expect((await send("GET", "/%74enants/%61cme", platform)).status).toBe(200);
    expect(JSON.parse((await send("GET", "/tenants/nobody-here", platform)).body)).toMatchObject({ error: "unknown-tenant" });
  });

  it("a tenant token reaches its own tenant's routes and nothing else", async () => {
    const token = { authorization: `Bearer ${await tenantToken("acme")}` };
    expect((await send("GET", "/tenants/acme", token)).status).toBe(200);
    expect((await send("GET", "/tenants/%61cme", token)).status).toBe(200);
    expect((await send("GET", `/tenants/acme/deployments/${DEPLOYMENT}`, token)).status).toBe(404);
    expect((await send("GET", "/tenants/other", token)).status).toBe(401);
    expect((await send("PUT", "/tenants/other/site", token)).status).toBe(401);
    expect((await send("POST", "/tenants/acme/unlock", token)).status).toBe(401);
    expect((await send("POST", "/tenants/acme/tokens", token)).status).toBe(401);
    expect((await send("GET", "/no/such/route", token)).status).toBe(401);
    expect(await t.open("other")).toEqual([]);
  });

  it("a tampered or forged tenant token is refused", async () => {
    const real = await tenantToken("acme");
    const [prefix, tenant, expires, signature] = real.split(".") as [string, string, string, string];
    const forged = [
      `${prefix}.other.${expires}.${signature}`,
      `${prefix}.${tenant}.${Number(expires) + 3600}.${signature}`,
      `${prefix}.${tenant}.${expires}.${signature.slice(0, -2)}AA`,
      `${prefix}.${tenant}.${expires}.`,
      `${prefix}.${tenant}.${expires}`,
    ];
    for (const token of forged) {
      expect((await send("GET", `/tenants/${token.split(".")[1]}`, { authorization: `Bearer ${token}` })).status, token).toBe(401);
    }
  });

  it("checks the lifetime asked for", async () => {
    for (const ttl of ["0", "59", "2592001", "-5", "1e3", "abc"]) {
      const answer = await rawRequest({ port: t.port, head: head("POST", `/tenants/acme/tokens?ttl=${ttl}`, platform) });
      expect(answer.status, ttl).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ error: "invalid-option", message: expect.stringContaining("ttl") });
    }
    const token = await tenantToken("acme", "?ttl=60");
    expect(Number(token.split(".")[2]) - Date.now() / 1000).toBeLessThanOrEqual(61);
  });
});
