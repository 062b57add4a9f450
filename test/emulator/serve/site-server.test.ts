import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { ACCOUNT, OTHER_ACCOUNT, type TestClient, scriptPath, start, tempDir } from "../helpers.js";
import { deploySite, originGet, siteGet, workerdChildren } from "../serve-helpers.js";

let emu: RunningEmulator;
let client: TestClient;
let logs: string[];
const NS = { namespace: "tenants" };

const WORKER = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/api/")) {
      return Response.json({ path: url.pathname, greeting: env.GREETING, cfg: env.CFG, host: url.host, method: request.method, body: await request.text() });
    }
    const res = await env.ASSETS.fetch(request);
    const out = new Response(res.body, res);
    out.headers.set("x-worker", "ran");
    return out;
  },
};`;
const workerSite = (runWorkerFirst: unknown) => ({
  files: { "/index.html": "<h1>app assets</h1>" },
  config: { run_worker_first: runWorkerFirst },
  modules: [{ name: "index.js", content: WORKER }],
  metadata: {
    main_module: "index.js",
    bindings: [
      { type: "assets", name: "ASSETS" },
      { type: "plain_text", name: "GREETING", text: "hello from env" },
      { type: "json", name: "CFG", json: { tier: "gold" } },
    ],
  },
});

beforeAll(async () => {
  ({ emu, client, logs } = await start());
  await client.createNamespace("tenants");
  await deploySite(client, NS, "spa", {
    files: { "/index.html": "<h1>SPA shell</h1>", "/app.js": "console.log('spa')" },
    config: { not_found_handling: "single-page-application" },
  });
  await deploySite(client, NS, "docs", {
    files: { "/index.html": "<h1>docs home</h1>", "/about.html": "<h1>about</h1>", "/404.html": "<h1>not here</h1>", "/blog/post1/index.html": "<h1>post 1</h1>" },
    config: { html_handling: "auto-trailing-slash", not_found_handling: "404-page", _headers: "/*\n  X-Probe: docs\n", _redirects: "/old /new 301\n" },
  });
  await deploySite(client, NS, "app", workerSite(["/api/*"]));
  await deploySite(client, NS, "app-all", workerSite(true));
});
afterAll(async () => {
  await emu.close();
  // Timing seen by the reloads, for the record (speed is measured in bench/, never asserted here).
  console.log(logs.filter((l) => l.startsWith("sites:") && l.includes("reloaded")).join("\n"));
});

describe("assets-only sites by Host", () => {
  it("serves index.html for a deep path under single-page-application", async () => {
    const res = await siteGet(emu, "spa.tenants.localhost", "/some/deep/route");
    expect(res.status).toBe(200);
    expect(res.body).toBe("<h1>SPA shell</h1>");
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
  });

  it("serves 404.html with status 404 under 404-page", async () => {
    const res = await siteGet(emu, "docs.tenants.localhost", "/missing/page");
    expect(res.status).toBe(404);
    expect(res.body).toBe("<h1>not here</h1>");
  });

  it("applies _headers from the asset config", async () => {
    const res = await siteGet(emu, "docs.tenants.localhost", "/");
    expect(res.status).toBe(200);
    expect(res.headers["x-probe"]).toBe("docs");
    // The other site has no _headers.
    expect((await siteGet(emu, "spa.tenants.localhost", "/")).headers["x-probe"]).toBeUndefined();
  });

  it("applies _redirects from the asset config without following the redirect", async () => {
    const res = await siteGet(emu, "docs.tenants.localhost", "/old");
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe("/new");
  });

  it("applies html_handling auto-trailing-slash", async () => {
    const slash = await siteGet(emu, "docs.tenants.localhost", "/about/");
    expect(slash.status).toBe(307);
    expect(slash.headers.location).toBe("/about");
    const bare = await siteGet(emu, "docs.tenants.localhost", "/about");
    expect([bare.status, bare.body]).toEqual([200, "<h1>about</h1>"]);
    const dir = await siteGet(emu, "docs.tenants.localhost", "/blog/post1");
    expect([dir.status, dir.headers.location]).toEqual([307, "/blog/post1/"]);
  });

  it("does not serve _headers or _redirects themselves", async () => {
    for (const p of ["/_headers", "/_redirects"]) {
      const res = await siteGet(emu, "docs.tenants.localhost", p);
      expect(res.status).toBe(404);
      expect(res.body).toBe("<h1>not here</h1>");
    }
  });

  it("serves different bytes for the same path on two sites of one namespace", async () => {
    const [spa, docs] = await Promise.all([siteGet(emu, "spa.tenants.localhost", "/index.html"), siteGet(emu, "docs.tenants.localhost", "/")]);
    expect(spa.status).toBe(307); // /index.html → / under the default auto-trailing-slash
    expect((await siteGet(emu, "spa.tenants.localhost", "/")).body).toBe("<h1>SPA shell</h1>");
    expect(docs.body).toBe("<h1>docs home</h1>");
  });

  it("matches host names case-insensitively", async () => {
    const res = await siteGet(emu, "SPA.Tenants.LOCALHOST", "/");
    expect(res.body).toBe("<h1>SPA shell</h1>");
  });
});

describe("a Worker with an ASSETS binding", () => {
  it("runs the Worker first for run_worker_first rules and serves assets for other paths", async () => {
    const api = await siteGet(emu, "app.tenants.localhost", "/api/hello");
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body)).toEqual({
      path: "/api/hello",
      greeting: "hello from env",
      cfg: { tier: "gold" },
      host: `app.tenants.localhost:${emu.port}`,
      method: "GET",
      body: "",
    });
    const page = await siteGet(emu, "app.tenants.localhost", "/");
    expect([page.status, page.body]).toEqual([200, "<h1>app assets</h1>"]);
    expect(page.headers["x-worker"]).toBeUndefined(); // served by the asset Worker, not the user Worker
  });

  it("runs the Worker for every request when run_worker_first is true", async () => {
    const page = await siteGet(emu, "app-all.tenants.localhost", "/");
    expect([page.status, page.body, page.headers["x-worker"]]).toEqual([200, "<h1>app assets</h1>", "ran"]);
  });

  it("passes method and body through", async () => {
    const res = await siteGet(emu, "app.tenants.localhost", "/api/echo?x=1", { method: "POST", body: "ping", headers: { "content-type": "text/plain" } });
    expect(JSON.parse(res.body)).toMatchObject({ path: "/api/echo", method: "POST", body: "ping" });
  });
});

describe("deploys", () => {
  it("serves a new PUT on the very next request", async () => {
    await deploySite(client, NS, "live", { files: { "/index.html": "v1" } });
    expect((await siteGet(emu, "live.tenants.localhost", "/")).body).toBe("v1");
    await deploySite(client, NS, "live", { files: { "/index.html": "v2", "/extra.html": "new file" } });
    expect((await siteGet(emu, "live.tenants.localhost", "/")).body).toBe("v2");
    expect((await siteGet(emu, "live.tenants.localhost", "/extra")).body).toBe("new file");
  });

  it("keeps one materialized version per site", async () => {
    await deploySite(client, NS, "versions", { files: { "/index.html": "a", "/same.txt": "unchanged" } });
    expect((await siteGet(emu, "versions.tenants.localhost", "/")).body).toBe("a");
    await deploySite(client, NS, "versions", { files: { "/index.html": "b", "/same.txt": "unchanged" } });
    expect((await siteGet(emu, "versions.tenants.localhost", "/")).body).toBe("b");
    const namespaceId = (await client.call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/tenants`)).body.result.namespace_id;
    const dir = path.join(emu.dataDir, "sites", ACCOUNT, `ns-${namespaceId}`, "versions");
    expect(await readdir(dir)).toHaveLength(1);
  });

  it("answers 404 once a script is deleted", async () => {
    await deploySite(client, NS, "doomed", { files: { "/index.html": "bye" } });
    expect((await siteGet(emu, "doomed.tenants.localhost", "/")).status).toBe(200);
    expect((await client.call("DELETE", scriptPath(NS, "doomed"))).status).toBe(200);
    const gone = await siteGet(emu, "doomed.tenants.localhost", "/");
    expect(gone.status).toBe(404);
    expect(gone.body).toContain('No Worker "doomed" in dispatch namespace "tenants"');
  });

  it("reports a version workerd refuses and keeps serving the other sites", async () => {
    await deploySite(client, NS, "broken", { ...workerSite(["/api/*"]), modules: [{ name: "index.js", content: "export default { fetch( {" }] });
    const res = await siteGet(emu, "broken.tenants.localhost", "/api/x");
    expect(res.status).toBe(500);
    expect(res.body).toContain('Worker "broken" in dispatch namespace "tenants" cannot run locally');
    expect((await siteGet(emu, "spa.tenants.localhost", "/")).body).toBe("<h1>SPA shell</h1>");
    // Fixed by the next PUT.
    await deploySite(client, NS, "broken", workerSite(["/api/*"]));
    expect((await siteGet(emu, "broken.tenants.localhost", "/api/x")).status).toBe(200);
  });

  it("tells which of several changed versions workerd refuses", async () => {
    await deploySite(client, NS, "pair-a", { files: { "/index.html": "a1" } });
    await deploySite(client, NS, "pair-b", workerSite(["/api/*"]));
    expect((await siteGet(emu, "pair-a.tenants.localhost", "/")).body).toBe("a1");
    expect((await siteGet(emu, "pair-b.tenants.localhost", "/api/x")).status).toBe(200);
    await deploySite(client, NS, "pair-a", { files: { "/index.html": "a2" } });
    await deploySite(client, NS, "pair-b", { ...workerSite(["/api/*"]), modules: [{ name: "index.js", content: "export default {" }] });
    const bad = await siteGet(emu, "pair-b.tenants.localhost", "/api/x");
    expect(bad.status).toBe(500);
    expect(bad.body).toContain("tenants/pair-b");
    expect((await siteGet(emu, "pair-a.tenants.localhost", "/")).body).toBe("a2");
  });

  it("holds concurrent requests while a redeploy reloads, then serves the new version to all", async () => {
    await deploySite(client, NS, "busy", { files: { "/index.html": "old" } });
    expect((await siteGet(emu, "busy.tenants.localhost", "/")).body).toBe("old");
    await deploySite(client, NS, "busy", { files: { "/index.html": "new" } });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => siteGet(emu, i % 2 ? "busy.tenants.localhost" : "spa.tenants.localhost", "/")));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    expect(new Set(answers.filter((_, i) => i % 2).map((a) => a.body))).toEqual(new Set(["new"]));
    expect(new Set(answers.filter((_, i) => i % 2 === 0).map((a) => a.body))).toEqual(new Set(["<h1>SPA shell</h1>"]));
  });
});

describe("other ways in", () => {
  it("serves account Workers on <script>.localhost", async () => {
    await deploySite(client, "account", "landing", { files: { "/index.html": "account site" } });
    const res = await siteGet(emu, "landing.localhost", "/");
    expect([res.status, res.body]).toEqual([200, "account site"]);
  });

  it("serves the path-based fallback and keeps redirects under its prefix", async () => {
    const home = await originGet(emu, "/__sites/tenants/docs/");
    expect([home.status, home.body, home.headers["x-probe"]]).toEqual([200, "<h1>docs home</h1>", "docs"]);
    const about = await originGet(emu, "/__sites/tenants/docs/about/");
    expect([about.status, about.headers.location]).toEqual([307, "/__sites/tenants/docs/about"]);
    const api = await originGet(emu, "/__sites/tenants/app/api/q?a=1");
    expect(JSON.parse(api.body)).toMatchObject({ path: "/api/q", host: `app.tenants.localhost:${emu.port}` });
    const account = await originGet(emu, "/__sites/~account/landing/");
    expect(account.body).toBe("account site");
  });

  it("lists the deployed sites at GET /__sites", async () => {
    const res = await originGet(emu, "/__sites");
    expect(res.status).toBe(200);
    const sites = JSON.parse(res.body) as Array<Record<string, unknown>>;
    expect(sites.find((s) => s.script === "docs")).toMatchObject({
      account: ACCOUNT,
      namespace: "tenants",
      url: `http://docs.tenants.localhost:${emu.port}/`,
      fallbackUrl: `${emu.origin}/__sites/tenants/docs/`,
      hasAssets: true,
      hasModules: false,
    });
    expect(sites.find((s) => s.script === "landing")).toMatchObject({ namespace: null, url: `http://landing.localhost:${emu.port}/`, fallbackUrl: `${emu.origin}/__sites/~account/landing/` });
    expect(sites.find((s) => s.script === "app")).toMatchObject({ hasModules: true });
  });

  it("answers 409 for a name deployed in two accounts", async () => {
    for (const account of [ACCOUNT, OTHER_ACCOUNT]) {
      await client.createNamespace("shared", account);
      await deploySite(client, { namespace: "shared" }, "same", { files: { "/index.html": account } }, account);
    }
    const res = await siteGet(emu, "same.shared.localhost", "/");
    expect(res.status).toBe(409);
    expect(res.body).toContain(`exists in several accounts (${ACCOUNT}, ${OTHER_ACCOUNT})`);
  });

  it("answers 404 pages for unknown sites and malformed site hosts, and leaves the API alone", async () => {
    const unknown = await siteGet(emu, "nope.tenants.localhost", "/");
    expect(unknown.status).toBe(404);
    expect(unknown.headers["content-type"]).toMatch(/^text\/plain/);
    expect((await siteGet(emu, "docs.nons.localhost", "/")).body).toContain('No dispatch namespace named "nons"');
    expect((await siteGet(emu, "a.b.c.localhost", "/")).status).toBe(404);
    const api = await client.call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces`);
    expect(api.status).toBe(200);
  });
});

describe("shutdown", () => {
  it("leaves no workerd process behind after close()", async () => {
    const { emu: own, client: ownClient } = await start();
    await ownClient.createNamespace("solo");
    await deploySite(ownClient, { namespace: "solo" }, "one", { files: { "/index.html": "one" } });
    const before = new Set(await workerdChildren());
    expect((await siteGet(own, "one.solo.localhost", "/")).body).toBe("one");
    const started = (await workerdChildren()).filter((pid) => !before.has(pid));
    expect(started.length).toBeGreaterThan(0);
    await own.close();
    const left = await workerdChildren();
    expect(left.filter((pid) => started.includes(pid))).toEqual([]);
  });

  it("leaves SIGINT to the host program while workerd runs", async () => {
    expect((await siteGet(emu, "spa.tenants.localhost", "/")).status).toBe(200);
    let handled = 0;
    const host = () => handled++;
    process.on("SIGINT", host);
    try {
      // Miniflare's own listener would exit this process with code 130 here.
      process.emit("SIGINT", "SIGINT");
      expect(handled).toBe(1);
    } finally {
      process.removeListener("SIGINT", host);
    }
    expect((await siteGet(emu, "spa.tenants.localhost", "/")).status).toBe(200);
  });

  it("serves the sites again after a restart on the same data directory, reusing the materialized version", async () => {
    const data = await tempDir();
    try {
      const first = await start({ dataDir: data.dir });
      await first.client.createNamespace("kept");
      await deploySite(first.client, { namespace: "kept" }, "site", { files: { "/index.html": "persisted" } });
      expect((await siteGet(first.emu, "site.kept.localhost", "/")).body).toBe("persisted");
      const siteDir = path.join(data.dir, "sites", ACCOUNT);
      const built = await findVersionDirs(siteDir);
      await first.emu.close();

      const second = await start({ dataDir: data.dir });
      expect((await siteGet(second.emu, "site.kept.localhost", "/")).body).toBe("persisted");
      expect(await findVersionDirs(siteDir)).toEqual(built);
      await second.emu.close();
    } finally {
      await data.cleanup();
    }
  });
});

/** "<store>/<script>/<etag>" → mtime of each materialized version under an account's sites directory. */
async function findVersionDirs(accountDir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const store of await readdir(accountDir)) {
    for (const script of await readdir(path.join(accountDir, store))) {
      for (const version of await readdir(path.join(accountDir, store, script))) {
        out[`${store}/${script}/${version}`] = (await stat(path.join(accountDir, store, script, version))).mtimeMs;
      }
    }
  }
  return out;
}
