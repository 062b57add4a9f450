/**
 * The HTTP edge without a deploy: authentication, parameter and option checks, body handling (raw, form, size
 * limit) and error answers. Every request here is refused before a deploy is queued, so the service's real
 * parts (Postgres, records, folders, stacks on the pinned CLI) are built but the CLI is never run for a stack.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { siteArchive } from "../archives.js";
import { API_TOKEN, startTestApp, type TestApp } from "./app-fixture.js";

let t: TestApp;
let app: FastifyInstance;
let dataDir: string;

beforeAll(async () => {
  t = await startTestApp({ listen: false });
  app = t.app;
  dataDir = t.dataDir;
}, 10 * 60_000);

afterAll(async () => {
  await t?.close();
});

const auth = { authorization: `Bearer ${API_TOKEN}` };

function multipart(parts: Array<{ name: string; file?: string; content: Buffer | string }>): { body: Buffer; contentType: string } {
  const boundary = "----platform-test-boundary";
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.file ? `; filename="${part.file}"` : ""}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`), Buffer.from(part.content), Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe("the HTTP API, refusing", () => {
  it("needs the bearer token on /tenants, not on /healthz", async () => {
    expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    const missing = await app.inject({ method: "GET", url: "/tenants/acme" });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toMatchObject({ error: "unauthorized" });
    expect((await app.inject({ method: "GET", url: "/tenants/acme", headers: { authorization: "Bearer wrong-token-000000" } })).statusCode).toBe(401);
    expect((await app.inject({ method: "GET", url: "/tenants/acme", headers: auth })).statusCode).toBe(404);
  });

  it("checks tenant names, deployment ids and options", async () => {
    const badTenant = await app.inject({ method: "GET", url: "/tenants/-acme", headers: auth });
    expect(badTenant.statusCode).toBe(400);
    expect(badTenant.json().message).toMatch(/"-acme" is not a valid worker script name/);
    expect((await app.inject({ method: "GET", url: "/tenants/acme/deployments/nope", headers: auth })).json()).toMatchObject({ error: "invalid-deployment-id" });
    expect((await app.inject({ method: "GET", url: "/tenants/acme/deployments/mi2x5k1a-0f3c9b2e", headers: auth })).statusCode).toBe(404);
    const option = await app.inject({ method: "PUT", url: "/tenants/acme/site?htmlHandling=sometimes", headers: auth, payload: siteArchive("tar.gz", { "a.html": "a" }) });
    expect(option.statusCode).toBe(400);
    expect(option.json().message).toMatch(/htmlHandling/);
    expect((await app.inject({ method: "PUT", url: "/tenants/acme/site?color=blue", headers: auth, payload: Buffer.from("x") })).json()).toMatchObject({ error: "invalid-option" });
    expect((await app.inject({ method: "DELETE", url: "/tenants/acme", headers: auth })).statusCode).toBe(404);
    expect((await app.inject({ method: "GET", url: "/elsewhere", headers: auth })).json()).toMatchObject({ error: "not-found" });
  });

  it("refuses a body over the archive limit by its declared length, and a streamed one as it passes the limit", async () => {
    const big = Buffer.alloc(4096, 1);
    const declared = await app.inject({ method: "PUT", url: "/tenants/acme/site", headers: { ...auth, "content-length": String(big.length) }, payload: big });
    expect(declared.statusCode).toBe(413);
    expect(declared.json()).toMatchObject({ error: "archive-too-large", message: expect.stringMatching(/larger than 2\.0 KiB \(2048 bytes\)/) });
    const form = multipart([{ name: "site", file: "site.tar.gz", content: big }]);
    const streamed = await app.inject({ method: "PUT", url: "/tenants/acme/site", headers: { ...auth, "content-type": form.contentType }, payload: form.body });
    expect(streamed.statusCode).toBe(413);
  });

  it("takes one file from a form, and says so when there are none or two", async () => {
    const archive = siteArchive("tar.gz", { "a.html": "a" });
    const none = multipart([{ name: "note", content: "hello" }]);
    expect((await app.inject({ method: "PUT", url: "/tenants/acme/site", headers: { ...auth, "content-type": none.contentType }, payload: none.body })).json()).toMatchObject({ error: "empty-body" });
    const two = multipart([
      { name: "site", file: "a.tar.gz", content: archive },
      { name: "other", file: "b.tar.gz", content: archive },
    ]);
    const answer = await app.inject({ method: "PUT", url: "/tenants/acme/site", headers: { ...auth, "content-type": two.contentType }, payload: two.body });
    expect(answer.statusCode).toBe(400);
    expect(answer.json().message).toMatch(/more than one file/);
    const bad = multipart([{ name: "site", file: "site.txt", content: "plain text" }]);
    expect((await app.inject({ method: "PUT", url: "/tenants/acme/site", headers: { ...auth, "content-type": bad.contentType }, payload: bad.body })).json()).toMatchObject({ error: "not-an-archive" });
  });

  it("leaves nothing behind for any of it", () => {
    expect(readdirSync(path.join(dataDir, "incoming", "replica-test"))).toEqual([]);
    expect(readdirSync(dataDir).sort()).toEqual(["incoming"]);
    expect(t.leftovers()).toEqual([]);
  });
});
