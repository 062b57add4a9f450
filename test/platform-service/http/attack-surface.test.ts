/**
 * The HTTP surface as an attacker meets it (README of the platform service, "Attack surface"): slow clients,
 * many event streams and uploads, lying or endless bodies, bodies where none belong, odd resume points, hostile
 * forms. Each answer is bounded in time, says what was wrong, reveals nothing secret, and leaves nothing on disk.
 * Small bounds make each one quick to reach; the service's defaults are in http/limits.ts.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HttpLimits } from "../../../packages/platform-service/src/http/limits.ts";
import { siteArchive } from "../archives.js";
import { API_TOKEN, SALT_SECRET, startTestApp, type TestApp } from "./app-fixture.js";
import { head, rawRequest, type RawAnswer } from "./raw-http.js";

const LIMITS: HttpLimits = {
  headersTimeoutMs: 1000,
  idleTimeoutMs: 1000,
  requestTimeoutMs: 3000,
  streams: { total: 3, perTenant: 2 },
  uploads: { total: 2, perTenant: 1 },
};
const AUTH = `Bearer ${API_TOKEN}`;
const ARCHIVE = siteArchive("tar.gz", { "index.html": "<h1>hello</h1>" });
/** A declared length the service accepts (the fixture's archive limit is 2,048 bytes). */
const UNDER_LIMIT = 2000;

let t: TestApp;
/** Every answer body, for the check that none reveals a secret or a path. */
const seen: string[] = [];

beforeAll(async () => {
  t = await startTestApp({ limits: LIMITS });
  // Accepted uploads stay queued (the fixture runs no jobs): their event streams stay open, no stack runs.
}, 10 * 60_000);

afterAll(async () => {
  await t?.close();
});

async function send(request: Parameters<typeof rawRequest>[0]): Promise<RawAnswer> {
  const answer = await rawRequest(request);
  seen.push(answer.raw);
  return answer;
}

function error(answer: RawAnswer): { error: string; message: string } {
  return JSON.parse(answer.body) as { error: string; message: string };
}

/** Waits until no upload is left under incoming/ as an archive being received. */
async function noArchiveLeft(): Promise<void> {
  for (let i = 0; i < 100 && t.leftovers().some((file) => file.endsWith(".archive")); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(t.leftovers().filter((file) => file.endsWith(".archive"))).toEqual([]);
}

async function accepted(tenant: string): Promise<string> {
  const answer = await send({ port: t.port, head: head("PUT", `/tenants/${tenant}/site`, { authorization: AUTH, "content-length": String(ARCHIVE.length) }), body: [ARCHIVE] });
  expect(answer.status, answer.body).toBe(202);
  return (JSON.parse(answer.body) as { deployment: { id: string } }).deployment.id;
}

/** An event stream held open until `close()`; `status` is its answer's status. */
function openStream(target: string): Promise<{ status: number; body: Promise<string>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port: t.port, path: target, headers: { authorization: AUTH } }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      const ended = new Promise<string>((done) => response.on("close", () => done(body)));
      resolve({ status: response.statusCode ?? 0, body: ended, close: () => request.destroy() });
    });
    request.on("error", reject);
  });
}

describe("slow clients", () => {
  it("headers trickled: the connection is cut at the headers timeout", async () => {
    const trickle = Array.from({ length: 30 }, (_, i) => [300, `X-Slow-${i}: 1\r\n`]).flat();
    const answer = await send({ port: t.port, head: "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", body: trickle, timeoutMs: 15_000 });
    expect([0, 408]).toContain(answer.status);
    expect(answer.closedAfterMs).toBeLessThan(5000);
  });

  it("a body that stalls (Content-Length larger than what is sent): cut at the idle timeout, nothing kept", async () => {
    const answer = await send({
      port: t.port,
      head: head("PUT", "/tenants/stall/site", { authorization: AUTH, "content-length": String(UNDER_LIMIT) }),
      body: [ARCHIVE.subarray(0, 20)],
      timeoutMs: 15_000,
    });
    expect([0, 408]).toContain(answer.status);
    expect(answer.closedAfterMs).toBeLessThan(5000);
    await noArchiveLeft();
    expect(await t.open("stall")).toEqual([]);
  });

  it("a body trickled just fast enough to stay under the idle timeout: cut at the request timeout", async () => {
    const trickle = Array.from({ length: 60 }, () => [400, "x"]).flat();
    const answer = await send({
      port: t.port,
      head: head("PUT", "/tenants/trickle/site", { authorization: AUTH, "content-length": String(UNDER_LIMIT) }),
      body: trickle,
      timeoutMs: 30_000,
    });
    expect([0, 408]).toContain(answer.status);
    expect(answer.closedAfterMs).toBeGreaterThan(LIMITS.idleTimeoutMs);
    expect(answer.closedAfterMs).toBeLessThan(8000);
    await noArchiveLeft();
  });
});

describe("bodies that lie, never end, or do not belong", () => {
  it("Content-Length shorter than the body: the archive read is the declared part, refused; the rest is not a request", async () => {
    const answer = await send({ port: t.port, head: head("PUT", "/tenants/short/site", { authorization: AUTH, "content-length": "20" }), body: [ARCHIVE] });
    // Whichever comes first: our refusal of the 20-byte archive, or the parser's of the bytes after it.
    expect(answer.status).toBe(400);
    expect(["corrupt-archive", "not-an-archive", "Bad Request"]).toContain(error(answer).error);
    await noArchiveLeft();
    expect(await t.open("short")).toEqual([]);
  });

  it("Content-Length and Transfer-Encoding together (request smuggling) are refused by the parser, before any route", async () => {
    const answer = await send({
      port: t.port,
      head: head("PUT", "/tenants/smuggle/site", { authorization: AUTH, "content-length": String(ARCHIVE.length), "transfer-encoding": "chunked" }),
      body: [`${ARCHIVE.length.toString(16)}\r\n`, ARCHIVE, "\r\n0\r\n\r\n"],
    });
    expect(answer.status).toBe(400);
    expect(answer.body).not.toContain("unauthorized");
    expect(await t.open("smuggle")).toEqual([]);
  });

  it("a chunked body past the archive limit: 413 as it passes the limit, and the connection closes while the client still sends", async () => {
    const chunk = Buffer.alloc(512, 7);
    const endless = Array.from({ length: 400 }, () => [`${chunk.length.toString(16)}\r\n`, chunk, "\r\n", 25]).flat();
    const answer = await send({
      port: t.port,
      head: head("PUT", "/tenants/endless/site", { authorization: AUTH, "transfer-encoding": "chunked" }),
      body: endless,
      untilClose: true,
      timeoutMs: 30_000,
    });
    expect(answer.status).toBe(413);
    expect(error(answer).error).toBe("archive-too-large");
    expect(answer.headers.connection).toBe("close");
    // The sender would go on for 10 s; the server stops reading about two seconds after its answer.
    expect(answer.closedAfterMs).toBeLessThan(7000);
    await noArchiveLeft();
  });

  it("a body on a route that takes none is refused, and after authentication only", async () => {
    const cases: Array<[string, string, Record<string, string>, string[]]> = [
      ["GET", "/tenants/acme", { "content-length": "5" }, ["hello"]],
      ["DELETE", "/tenants/acme", { "transfer-encoding": "chunked" }, ["5\r\nhello\r\n0\r\n\r\n"]],
      ["POST", "/tenants/acme/unlock", { "content-length": "5" }, ["hello"]],
      ["POST", "/tenants/acme/tokens", { "content-length": "5" }, ["hello"]],
    ];
    for (const [method, target, headers, body] of cases) {
      const anonymous = await send({ port: t.port, head: head(method, target, headers), body });
      expect(anonymous.status, `${method} ${target}`).toBe(401);
      const answer = await send({ port: t.port, head: head(method, target, { ...headers, authorization: AUTH }), body });
      expect(answer.status, `${method} ${target}`).toBe(400);
      expect(error(answer)).toMatchObject({ error: "unexpected-body", message: expect.stringContaining("takes no request body") });
    }
    expect(await t.open("acme")).toEqual([]);
    // An empty body is no body.
    expect((await send({ port: t.port, head: head("GET", "/tenants/acme", { authorization: AUTH, "content-length": "0" }) })).status).toBe(404);
  });
});

describe("hostile forms", () => {
  const boundary = "----attack-boundary";
  function form(parts: string[]): Buffer {
    return Buffer.from(`${parts.map((part) => `--${boundary}\r\n${part}\r\n`).join("")}--${boundary}--\r\n`, "latin1");
  }
  async function putForm(tenant: string, body: Buffer): Promise<RawAnswer> {
    return send({
      port: t.port,
      head: head("PUT", `/tenants/${tenant}/site`, { authorization: AUTH, "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": String(body.length) }),
      body: [body],
    });
  }

  it("many fields or parts are refused, not silently cut", async () => {
    const fields = Array.from({ length: 50 }, (_, i) => `Content-Disposition: form-data; name="f${i}"\r\n\r\nx`);
    const answer = await putForm("fields", form(fields));
    expect(answer.status).toBe(400);
    expect(error(answer).message).toMatch(/more than 20 fields or 21 parts/);
    expect(await t.open("fields")).toEqual([]);
  });

  it("a huge field name or part header is refused as an unreadable form", async () => {
    const name = "n".repeat(200_000);
    const answer = await putForm("hugename", form([`Content-Disposition: form-data; name="${name}"\r\n\r\nx`]));
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.length).toBeLessThan(2000);
    const headers = Array.from({ length: 100 }, (_, i) => `X-H${i}: v`).join("\r\n");
    const many = await putForm("headers", form([`Content-Disposition: form-data; name="site"; filename="s.tgz"\r\n${headers}\r\n\r\nx`]));
    expect(many.status).toBeGreaterThanOrEqual(400);
    expect(many.status).toBeLessThan(500);
    await noArchiveLeft();
    expect(t.leftovers().filter((file) => file.includes("tenants"))).toEqual([]);
  });
});

describe("bounds on long-lived requests", () => {
  it("event streams: at most 2 per tenant and 3 in all, 429 past that, room again when one closes", async () => {
    const acme = await accepted("streams-a");
    const beta = await accepted("streams-b");
    const events = (tenant: string, id: string) => `/tenants/${tenant}/deployments/${id}/events`;
    const first = await openStream(events("streams-a", acme));
    const second = await openStream(events("streams-a", acme));
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await send({ port: t.port, head: head("GET", events("streams-a", acme), { authorization: AUTH }) });
    expect(third.status).toBe(429);
    expect(third.headers["retry-after"]).toBe("5");
    expect(error(third)).toMatchObject({ error: "too-many-streams", message: expect.stringContaining("at most 2 per tenant and 3 in all") });
    const other = await openStream(events("streams-b", beta));
    expect(other.status).toBe(200);
    expect((await send({ port: t.port, head: head("GET", events("streams-b", beta), { authorization: AUTH }) })).status).toBe(429);
    first.close();
    await first.body;
    let again = 0;
    for (let i = 0; i < 50 && again !== 200; i++) {
      const next = await openStream(events("streams-b", beta));
      again = next.status;
      next.close();
      await next.body;
      if (again !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(again).toBe(200);
    second.close();
    other.close();
  });

  it("uploads being received: at most 1 per tenant and 2 in all, 429 past that; a cut upload frees its place", async () => {
    // Held open by a byte every 300 ms, under the idle timeout, until the request timeout cuts them.
    const slow = (tenant: string) =>
      send({
        port: t.port,
        head: head("PUT", `/tenants/${tenant}/site`, { authorization: AUTH, "content-length": String(UNDER_LIMIT) }),
        body: Array.from({ length: 20 }, () => [300, "x"]).flat(),
        timeoutMs: 20_000,
      });
    const first = slow("upload-a");
    const second = slow("upload-b");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sameTenant = await send({ port: t.port, head: head("PUT", "/tenants/upload-a/site", { authorization: AUTH, "content-length": String(ARCHIVE.length) }), body: [ARCHIVE] });
    expect(sameTenant.status).toBe(429);
    expect(error(sameTenant)).toMatchObject({ error: "too-many-uploads", message: expect.stringContaining("at most 1 per tenant and 2 in all") });
    const third = await send({ port: t.port, head: head("PUT", "/tenants/upload-c/site", { authorization: AUTH, "content-length": String(ARCHIVE.length) }), body: [ARCHIVE] });
    expect(third.status).toBe(429);
    await Promise.all([first, second]);
    await noArchiveLeft();
    expect(await accepted("upload-c")).toMatch(/-/);
  }, 30_000);
});

describe("resume points", () => {
  it("Last-Event-ID and ?after= that are negative, fractional, huge or not numbers are a 400 that names them", async () => {
    const id = await accepted("resume");
    const target = `/tenants/resume/deployments/${id}/events`;
    // (Node trims a header's surrounding spaces, so " 1" is tried in the query only.)
    for (const value of ["-1", "abc", "1.5", "1e3", "9".repeat(16), "", " 1", "0x10"]) {
      if (value.trim() === value) {
        const byHeader = await send({ port: t.port, head: head("GET", target, { authorization: AUTH, "last-event-id": value }) });
        expect(byHeader.status, `Last-Event-ID ${JSON.stringify(value)}`).toBe(400);
        expect(error(byHeader)).toMatchObject({ error: "invalid-option", message: expect.stringContaining("Last-Event-ID") });
      }
      const byQuery = await send({ port: t.port, head: head("GET", `${target}?after=${encodeURIComponent(value)}`, { authorization: AUTH }) });
      expect(byQuery.status, `after=${JSON.stringify(value)}`).toBe(400);
      expect(error(byQuery)).toMatchObject({ error: "invalid-option", message: expect.stringContaining("after") });
    }
    for (const value of ["0", "3", "9".repeat(15)]) {
      const answer = await send({ port: t.port, head: head("GET", `${target}?after=${value}`, { authorization: AUTH }), timeoutMs: 300 });
      expect(answer.status, value).toBe(200);
    }
  });
});

describe("what answers reveal", () => {
  it("no answer above holds a secret, a path of the service's or a stack trace", () => {
    const all = seen.join("\n");
    expect(seen.length).toBeGreaterThan(30);
    for (const secret of [API_TOKEN, SALT_SECRET, t.dataDir, "node_modules", "/tmp/", "packages/platform-service"]) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/\n\s+at [\w.<>]+ \(/);
  });
});
