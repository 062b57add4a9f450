/**
 * Authentication of the service as users start it (main.ts wiring, PLATFORM_API_TOKEN set), judged by what the
 * emulator serves: the requests (a percent-encoded `/tenants`, no token) change nothing live, a tenant
 * token deploys its own tenant's site and nobody else's, and the platform token does everything.
 */
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { emulatorAdmin, servedBody } from "../fixtures/emulator.mjs";
import { siteArchive } from "./archives.js";
import { acceptedSchema, call, followEvents } from "./service-client.js";
import { serviceEnv } from "./service-env.js";
import { startService, type RunningService } from "./service-process.js";

const CLOUDFLARE_TOKEN = "platform-auth-cf-token-41d7e0";
const PLATFORM_TOKEN = "platform-auth-api-token-93be2c51";
const NAMESPACE = "tenants";
const platform = { authorization: `Bearer ${PLATFORM_TOKEN}` };

let emulator: RunningEmulator;
let service: RunningService;
let dataDir: string;

/** A request with its target sent as written (fetch would normalize it). */
function asWritten(method: string, target: string, body?: Buffer): Promise<number> {
  const { port } = new URL(service.url);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, method, path: target, headers: body ? { "content-length": String(body.length) } : {} }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on("error", reject);
    request.end(body);
  });
}

async function deploy(tenant: string, html: string, headers: Record<string, string>): Promise<number> {
  const answer = await call(service.url, "PUT", `/tenants/${tenant}/site?htmlHandling=none`, { body: new Uint8Array(siteArchive("tar.gz", { "index.html": html })), headers });
  if (answer.status !== 202) return answer.status;
  const { deployment } = acceptedSchema.parse(answer.json);
  const finished = await followEvents(service.url, tenant, deployment.id, headers);
  expect(finished.deployment.status, finished.lines.join("\n")).toBe("succeeded");
  return answer.status;
}

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [CLOUDFLARE_TOKEN] });
  await emulatorAdmin({ url: emulator.url, token: CLOUDFLARE_TOKEN }).createNamespace(NAMESPACE);
  dataDir = mkdtempSync(path.join(tmpdir(), "platform-auth-"));
  service = await startService(
    await serviceEnv({ dataDir, emulator: { url: emulator.url, token: CLOUDFLARE_TOKEN }, extra: { PLATFORM_NAMESPACE: NAMESPACE, PLATFORM_API_TOKEN: PLATFORM_TOKEN } }),
  );
}, 45 * 60_000);

afterAll(async () => {
  expect(await service?.stop()).toBe(0);
  await emulator?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("platform service authentication", { timeout: 300_000 }, () => {
  it("the issue's requests without a token change nothing that is live", async () => {
    expect(await deploy("victim", "<h1>victim's own</h1>", platform)).toBe(202);
    expect(await servedBody(emulator.origin, NAMESPACE, "victim", "/index.html")).toBe("<h1>victim's own</h1>");

    expect(await asWritten("PUT", "/%74enants/evil/site", siteArchive("tar.gz", { "index.html": "evil" }))).toBe(401);
    expect(await asWritten("PUT", "/%74enants/victim/site", siteArchive("tar.gz", { "index.html": "defaced" }))).toBe(401);
    expect(await asWritten("DELETE", "/%74enants/victim")).toBe(401);
    expect(await asWritten("POST", "/%74enants/victim/unlock")).toBe(401);
    expect(await asWritten("GET", "/%74enants/victim")).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    expect(await servedBody(emulator.origin, NAMESPACE, "victim", "/index.html")).toBe("<h1>victim's own</h1>");
    expect(await servedBody(emulator.origin, NAMESPACE, "evil", "/index.html")).toBeUndefined();
    expect((await call(service.url, "GET", "/tenants/evil", { headers: platform })).status).toBe(404);
  });

  it("a tenant token deploys its own site, and is refused on another tenant's", async () => {
    const issued = await call(service.url, "POST", "/tenants/acme/tokens?ttl=600", { headers: platform });
    expect(issued.status).toBe(201);
    const tenant = { authorization: `Bearer ${(issued.json as { token: string }).token}` };

    expect(await deploy("acme", "<h1>acme by its token</h1>", tenant)).toBe(202);
    expect(await servedBody(emulator.origin, NAMESPACE, "acme", "/index.html")).toBe("<h1>acme by its token</h1>");
    expect((await call(service.url, "GET", "/tenants/acme", { headers: tenant })).status).toBe(200);

    expect(await deploy("victim", "<h1>acme defacing victim</h1>", tenant)).toBe(401);
    expect((await call(service.url, "DELETE", "/tenants/victim", { headers: tenant })).status).toBe(401);
    expect((await call(service.url, "POST", "/tenants/victim/tokens", { headers: tenant })).status).toBe(401);
    expect(await servedBody(emulator.origin, NAMESPACE, "victim", "/index.html")).toBe("<h1>victim's own</h1>");
  });
});
