/**
 * The platform service end to end: the real service process (Automation API, the pinned Pulumi CLI, the
 * dynamic provider) against the emulator, which serves what it deploys. Three tenants upload at once; an
 * unchanged re-upload uploads nothing, a changed one only the changed file; a delete removes one worker and
 * leaves the others; every kind of bad archive is refused with a 4xx that names it, and leaves no trace.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { EMULATOR_ACCOUNT, emulatorAdmin, fetchSite, servedBody } from "../fixtures/emulator.mjs";
import { REPO_ROOT } from "../fixtures/repo.mjs";
import { findSecretLeaks } from "../fixtures/secret-leaks.mjs";
import { readFolder, siteArchive, tarGz, zip, type FixtureEntry } from "./archives.js";
import { acceptedSchema, call, followEvents, putSite, putSiteForm, type FinishedDeployment } from "./service-client.js";
import { serviceEnv } from "./service-env.js";
import { startService, type RunningService } from "./service-process.js";

const TOKEN = "platform-e2e-token-7c1d93a5e0";
const NAMESPACE = "tenants";
const PROJECT = "wfp-tenants";
const MiB = 1024 * 1024;
/** The service's own limit on an unpacked site, low enough for a compression bomb made in memory. */
const MAX_SITE_BYTES = 40 * MiB;
const EXAMPLES = path.join(REPO_ROOT, "examples", "tenant-sites");
/** Served as files; `_headers` and `_redirects` become asset config instead. */
const CONFIG_FILES = new Set(["_headers", "_redirects"]);

let emulator: RunningEmulator;
let service: RunningService;
let dataDir: string;
/** Every answer and event text the tests saw, for the secret check at the end. */
const seen: string[] = [];

function site(name: string): Record<string, Buffer> {
  return readFolder(path.join(EXAMPLES, name, "public"));
}

async function accountStats() {
  return (await emulator.stats()).accounts[EMULATOR_ACCOUNT];
}

async function namespaceCounters(): Promise<{ filesUploaded: number; sessions: number; scripts: string[] }> {
  const stats = await accountStats();
  return {
    filesUploaded: stats?.stores[`namespace:${NAMESPACE}`]?.filesUploaded ?? 0,
    sessions: stats?.requests["POST namespace-assets-upload-session"] ?? 0,
    scripts: Object.keys(stats?.namespaces[NAMESPACE]?.scripts ?? {}).sort(),
  };
}

/** 202 + the deployment id, then its events to the end. */
async function deployed(upload: Promise<{ status: number; json: unknown; text: string }>): Promise<FinishedDeployment> {
  const accepted = await upload;
  seen.push(accepted.text);
  expect(accepted.status, accepted.text).toBe(202);
  const { tenant, deployment } = acceptedSchema.parse(accepted.json);
  const finished = await followEvents(service.url, tenant, deployment.id);
  seen.push(finished.raw);
  return finished;
}

/** Every file of `files` is served at its own path, byte for byte (the sites are uploaded with htmlHandling=none). */
async function expectServed(tenant: string, files: Record<string, Buffer>): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    if (CONFIG_FILES.has(file)) continue;
    const response = await fetchSite(emulator.origin, { namespace: NAMESPACE, script: tenant }, `/${file}`);
    expect(response.status, `${tenant} /${file}`).toBe(200);
    expect(response.body, `${tenant} /${file}`).toBe(content.toString("utf8"));
  }
}

/** The stack's update history in the file backend: one entry per `pulumi up`, `destroy` or `refresh` that ran. */
function stackHistory(tenant: string): string[] {
  const dir = path.join(dataDir, "state", ".pulumi", "history", PROJECT, tenant);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

function stackFiles(): string[] {
  const dir = path.join(dataDir, "state", ".pulumi", "stacks", PROJECT);
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".json")) : [];
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((name) => statSync(path.join(dir, name)).isFile());
}

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [TOKEN] });
  await emulatorAdmin({ url: emulator.url, token: TOKEN }).createNamespace(NAMESPACE);
  dataDir = mkdtempSync(path.join(tmpdir(), "platform-e2e-"));
  service = await startService(
    await serviceEnv({
      dataDir,
      emulator: { url: emulator.url, token: TOKEN },
      extra: {
        PLATFORM_NAMESPACE: NAMESPACE,
        PLATFORM_PROJECT: PROJECT,
        PLATFORM_MAX_SITE_BYTES: String(MAX_SITE_BYTES),
        PLATFORM_MAX_FILES: "20000",
        PLATFORM_MAX_CONCURRENT_DEPLOYS: "3",
        PLATFORM_SITE_URL: `http://{tenant}.${NAMESPACE}.localhost:${emulator.port}/`,
      },
    }),
  );
}, 45 * 60_000);

afterAll(async () => {
  const code = await service?.stop();
  if (code !== 0) console.error(service?.output());
  expect(code).toBe(0);
  await emulator?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("platform service", { timeout: 300_000 }, () => {
  it("deploys three tenants uploading at once, each served as uploaded", async () => {
    const sites = { "spa-shop": site("spa-shop"), "docs-site": site("docs-site"), "api-portal": site("api-portal") };
    const [spa, docs, portal] = await Promise.all([
      deployed(putSite(service.url, "spa-shop", siteArchive("tar.gz", sites["spa-shop"]), "?htmlHandling=none")),
      deployed(putSite(service.url, "docs-site", siteArchive("zip", sites["docs-site"]), "?htmlHandling=none")),
      deployed(putSiteForm(service.url, "api-portal", siteArchive("tar.gz", sites["api-portal"]), "site.tar.gz", "?htmlHandling=none")),
    ]);
    for (const [tenant, finished] of [["spa-shop", spa], ["docs-site", docs], ["api-portal", portal]] as const) {
      expect(finished.deployment.status, finished.lines.join("\n")).toBe("succeeded");
      const served = Object.keys(sites[tenant]).filter((file) => !CONFIG_FILES.has(file)).length;
      expect(finished.deployment.result).toMatchObject({ changed: true, fileCount: served, uploadedFiles: served });
      // The provider's own lines say what was uploaded.
      expect(finished.lines).toContainEqual(expect.stringMatching(new RegExp(`^${NAMESPACE}/${tenant}: ${served} new of ${served} files`)));
      expect(finished.lines).toContainEqual(expect.stringMatching(new RegExp(`^${NAMESPACE}/${tenant}: done: uploaded ${served} files`)));
      await expectServed(tenant, sites[tenant]);

      const state = await call(service.url, "GET", `/tenants/${tenant}`);
      seen.push(state.text);
      expect(state.status).toBe(200);
      expect(state.json).toMatchObject({
        status: "live",
        live: { fileCount: served, url: expect.stringContaining(`${tenant}.${NAMESPACE}.localhost`) },
      });
    }
    // The docs site's _redirects file became its redirect rules.
    const redirect = await fetchSite(emulator.origin, { namespace: NAMESPACE, script: "docs-site" }, "/old-guide");
    expect(redirect.status).toBe(301);
    expect((await namespaceCounters()).scripts).toEqual(["api-portal", "docs-site", "spa-shop"]);
  });

  it("answers an unchanged re-upload at once: one Cloudflare read, no Pulumi run, nothing uploaded", async () => {
    const before = (await accountStats())?.requests ?? {};
    const updates = stackHistory("spa-shop");
    const answer = await putSite(service.url, "spa-shop", siteArchive("tar.gz", site("spa-shop")), "?htmlHandling=none");
    seen.push(answer.text);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json).toMatchObject({ unchanged: true, deployment: { status: "succeeded", result: { changed: false, uploadedFiles: 0, uploadedBytes: 0 } } });
    const finished = await followEvents(service.url, "spa-shop", acceptedSchema.parse(answer.json).deployment.id);
    seen.push(finished.raw);
    expect(finished.lines).toContainEqual(expect.stringMatching(/^unchanged: the same files and settings as the live deploy \S+, and Cloudflare still serves it; no Pulumi run$/));
    expect(finished.lines.some((line) => / new of |^site: /.test(line))).toBe(false);
    // The one request Cloudflare got is the read of the tenant's script; the stack's history has no new update.
    const after = (await accountStats())?.requests ?? {};
    const grown = Object.fromEntries(Object.entries(after).filter(([route, count]) => count !== (before[route] ?? 0)).map(([route, count]) => [route, count - (before[route] ?? 0)]));
    expect(grown).toEqual({ "GET namespace-script": 1 });
    expect(stackHistory("spa-shop")).toEqual(updates);
    await expectServed("spa-shop", site("spa-shop"));
  });

  it("deploys an unchanged re-upload again when its worker was deleted outside the service", async () => {
    await emulatorAdmin({ url: emulator.url, token: TOKEN }).call("DELETE", `/workers/dispatch/namespaces/${NAMESPACE}/scripts/spa-shop`);
    expect(await servedBody(emulator.origin, NAMESPACE, "spa-shop", "/index.html")).toBeUndefined();
    const again = await deployed(putSite(service.url, "spa-shop", siteArchive("tar.gz", site("spa-shop")), "?htmlHandling=none"));
    expect(again.deployment.status, again.lines.join("\n")).toBe("succeeded");
    expect(again.lines).toContainEqual(expect.stringMatching(/^the tenant's worker is gone from Cloudflare .*: the deploy reads it first and deploys over it$/));
    expect(again.deployment.result).toMatchObject({ changed: true });
    await expectServed("spa-shop", site("spa-shop"));
  });

  it("re-deploys a changed archive by uploading only the changed file", async () => {
    const files = { ...site("docs-site"), "index.html": Buffer.from("<!doctype html><title>Docs</title><h1>Docs, second edition</h1>\n") };
    const before = await namespaceCounters();
    const changed = await deployed(putSite(service.url, "docs-site", siteArchive("tar.gz", files), "?htmlHandling=none"));
    expect(changed.deployment.status, changed.lines.join("\n")).toBe("succeeded");
    expect(changed.deployment.result).toMatchObject({ changed: true, fileCount: 4, uploadedFiles: 1 });
    expect(changed.lines).toContainEqual(expect.stringMatching(/^tenants\/docs-site: 1 new of 4 files/));
    expect(changed.lines).toContainEqual(expect.stringMatching(/^tenants\/docs-site: done: uploaded 1 file\b/));
    expect((await namespaceCounters()).filesUploaded).toBe(before.filesUploaded + 1);
    await expectServed("docs-site", files);
  });

  it("deletes one tenant: its worker and stack are gone, the others still serve", async () => {
    const response = await fetch(`${service.url}/tenants/api-portal?follow=1`, { method: "DELETE" });
    const text = await response.text();
    seen.push(text);
    expect(response.status).toBe(200);
    expect(text).toMatch(/site: worker deleted/);
    expect(text.trimEnd().split("\n").at(-1)).toBe("succeeded");

    expect((await fetchSite(emulator.origin, { namespace: NAMESPACE, script: "api-portal" }, "/index.html")).status).toBe(404);
    expect((await namespaceCounters()).scripts).toEqual(["docs-site", "spa-shop"]);
    expect((await call(service.url, "GET", "/tenants/api-portal")).status).toBe(404);
    expect(existsSync(path.join(dataDir, "tenants", "api-portal"))).toBe(false);
    expect(stackFiles().sort()).toEqual(["docs-site.json", "spa-shop.json"]);
    await expectServed("spa-shop", site("spa-shop"));
    expect((await fetchSite(emulator.origin, { namespace: NAMESPACE, script: "docs-site" }, "/guide/install.html")).status).toBe(200);
  });

  const fileOf = (name: string, content: string | Buffer = "<h1>x</h1>"): FixtureEntry => ({ name, content });
  const bad: Array<{ what: string; tenant: string; body: () => Buffer; query?: string; status: number; code: string; message: RegExp }> = [
    { what: "a ../ path", tenant: "bad-traversal", body: () => tarGz([fileOf("index.html"), fileOf("../escape.html")]), status: 400, code: "path-traversal", message: /"\.\.\/escape\.html"/ },
    { what: "a ../ path in a zip", tenant: "bad-zip-traversal", body: () => zip([fileOf("index.html"), fileOf("a/../../escape.html")]), status: 400, code: "path-traversal", message: /"a\/\.\.\/\.\.\/escape\.html"/ },
    { what: "an absolute path", tenant: "bad-absolute", body: () => tarGz([fileOf("/etc/cron.d/job")]), status: 400, code: "absolute-path", message: /"\/etc\/cron\.d\/job" is an absolute path/ },
    { what: "an absolute path in a zip", tenant: "bad-zip-absolute", body: () => zip([fileOf("/index.html")]), status: 400, code: "absolute-path", message: /"\/index\.html"/ },
    { what: "a symlink", tenant: "bad-symlink", body: () => tarGz([fileOf("index.html"), { name: "keys", type: "symlink", linkTarget: "/root/.ssh" }]), status: 400, code: "symlink", message: /"keys" is a symbolic link to "\/root\/\.ssh"/ },
    { what: "a symlink in a zip", tenant: "bad-zip-symlink", body: () => zip([fileOf("index.html"), { name: "keys", type: "symlink", linkTarget: "/root/.ssh" }]), status: 400, code: "symlink", message: /"keys" is a symbolic link/ },
    { what: "a hard link", tenant: "bad-hardlink", body: () => tarGz([fileOf("index.html"), { name: "copy.html", type: "hard-link", linkTarget: "/etc/passwd" }]), status: 400, code: "hard-link", message: /"copy\.html" is a hard link/ },
    { what: "a device file", tenant: "bad-device", body: () => tarGz([fileOf("index.html"), { name: "zero", type: "char-device" }]), status: 400, code: "special-file", message: /"zero" is a device file/ },
    { what: "a fifo in a zip", tenant: "bad-zip-fifo", body: () => zip([fileOf("index.html"), { name: "pipe", type: "fifo" }]), status: 400, code: "special-file", message: /"pipe" is a fifo/ },
    {
      what: "a compression bomb (expands past the site limit)",
      tenant: "bad-bomb",
      body: () => tarGz([fileOf("a.bin", Buffer.alloc(24 * MiB)), fileOf("b.bin", Buffer.alloc(24 * MiB))]),
      status: 413,
      code: "site-too-large",
      message: /expands to more than 40\.0 MiB/,
    },
    { what: "a file over 25 MiB", tenant: "bad-big-file", body: () => tarGz([fileOf("video.mp4", Buffer.alloc(25 * MiB + 1))]), status: 413, code: "file-too-large", message: /"video\.mp4" is 25\.0 MiB \(26214401 bytes\); Cloudflare accepts files of up to 25\.0 MiB/ },
    {
      what: "more files than a worker may have",
      tenant: "bad-many-files",
      body: () => tarGz(Array.from({ length: 20_001 }, (_, i) => fileOf(`p/${i}.txt`, ""))),
      status: 413,
      code: "too-many-files",
      message: /more than 20,000 files/,
    },
    { what: "a body that is no archive", tenant: "bad-not-archive", body: () => Buffer.from("<html><body>my site</body></html>"), status: 400, code: "not-an-archive", message: /not a \.tar\.gz or \.zip archive/ },
    { what: "a truncated archive", tenant: "bad-truncated", body: () => tarGz([fileOf("index.html", "x".repeat(100_000))]).subarray(0, 200), status: 400, code: "corrupt-archive", message: /cannot be read/ },
    { what: "an empty body", tenant: "bad-empty", body: () => Buffer.alloc(0), status: 400, code: "empty-body", message: /no body|empty/ },
    { what: "a tenant name that is no script name", tenant: "Bad.Tenant", body: () => siteArchive("tar.gz", { "index.html": "x" }), status: 400, code: "invalid-tenant", message: /"Bad\.Tenant" is not a valid worker script name.*lowercase/ },
    { what: "an unknown asset option", tenant: "bad-option", body: () => siteArchive("tar.gz", { "index.html": "x" }), query: "?notFoundHandling=sometimes", status: 400, code: "invalid-option", message: /notFoundHandling/ },
  ];

  it("refuses every kind of bad upload with a 4xx that names the problem; nothing is deployed or kept", async () => {
    const before = await namespaceCounters();
    const stacksBefore = stackFiles().sort();
    for (const { what, tenant, body, query, status, code, message } of bad) {
      const answer = await putSite(service.url, tenant, body(), query ?? "");
      seen.push(answer.text);
      expect(answer.status, `${what}: ${answer.text}`).toBe(status);
      expect(answer.json, what).toMatchObject({ error: code, message: expect.stringMatching(message) });
    }
    const after = await namespaceCounters();
    expect(after.scripts).toEqual(before.scripts);
    expect(after.sessions).toBe(before.sessions);
    expect(stackFiles().sort()).toEqual(stacksBefore);
    expect(readdirSync(path.join(dataDir, "tenants")).sort()).toEqual(["docs-site", "spa-shop"]);
    expect(filesUnder(path.join(dataDir, "incoming"))).toEqual([]);
    for (const { tenant } of bad.filter((b) => /^[a-z-]+$/.test(b.tenant))) {
      expect((await call(service.url, "GET", `/tenants/${tenant}`)).status, tenant).toBe(404);
    }
  });

  it("shows no API token or JWT in any answer, event, log line or stack state", async () => {
    const state = filesUnder(path.join(dataDir, "state")).map((file) => readFileSync(path.join(dataDir, "state", file), "utf8"));
    expect(state.length).toBeGreaterThan(0);
    expect(findSecretLeaks([service.output(), ...seen, ...state].join("\n"), [TOKEN])).toEqual([]);
  });
});
