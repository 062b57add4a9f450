import { fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorStats, RunningEmulator } from "../../src/emulator/index.js";
import { ACCOUNT, TestClient, WORKER_JS, asset, start } from "./helpers.js";

let emu: RunningEmulator;
let client: TestClient;
let logs: string[];
beforeAll(async () => {
  ({ emu, client, logs } = await start());
});
afterAll(() => emu.close());

describe("unknown routes", () => {
  it("answers Cloudflare's 404 envelope and logs a warning", async () => {
    const res = await client.call("GET", `/accounts/${ACCOUNT}/workers/not-a-thing`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      success: false,
      errors: [
        { code: 7003, message: `Could not route to /client/v4/accounts/${ACCOUNT}/workers/not-a-thing, perhaps your object identifier is invalid?` },
        { code: 7000, message: "No route for that URI" },
      ],
      messages: [],
      result: null,
    });
    expect(logs.some((l) => l.startsWith("WARN no route: GET /client/v4/accounts/") && l.includes("not-a-thing"))).toBe(true);
    expect((await emu.stats()).accounts[ACCOUNT]!.requests["GET unknown"]).toBeGreaterThanOrEqual(1);
  });

  it("answers 404 outside /client/v4 and for an invalid account id", async () => {
    const outside = await fetch(`${emu.origin}/accounts/${ACCOUNT}/workers/scripts`);
    expect(outside.status).toBe(404);
    expect(((await outside.json()) as { errors: Array<{ code: number }> }).errors[0]!.code).toBe(7003);
    const badAccount = await client.call("GET", "/accounts/not-hex/workers/scripts");
    expect(badAccount.status).toBe(404);
    expect(badAccount.body.errors[0].code).toBe(7003);
  });

  it("answers 405 for a known path with another method", async () => {
    const res = await client.call("PATCH", `/accounts/${ACCOUNT}/workers/dispatch/namespaces`);
    expect(res.status).toBe(405);
    expect(res.body.errors[0].message).toContain("GET, POST");
  });
});

describe("what wrangler calls around an account deploy", () => {
  const script = `/accounts/${ACCOUNT}/workers/scripts/wr`;

  it("reports a new worker as missing: services 404 10090, deployments 404 10007", async () => {
    const service = await client.call("GET", `/accounts/${ACCOUNT}/workers/services/wr`);
    expect(service.status).toBe(404);
    expect(service.body.errors[0].code).toBe(10090);
    const deployments = await client.call("GET", `${script}/deployments`);
    expect(deployments.status).toBe(404);
    expect(deployments.body.errors[0].code).toBe(10007);
    expect((await client.call("GET", `${script}/settings`)).status).toBe(404);
  });

  it("answers the subdomain calls", async () => {
    const sub = await client.call("GET", `/accounts/${ACCOUNT}/workers/subdomain`);
    expect(sub.body.result).toEqual({ subdomain: "emulator" });
  });

  it("serves an existing worker: service, deployments, versions + deployment, script-settings, secrets, subdomain", async () => {
    const jwt = await client.uploadAll("account", "wr", { "/a.txt": asset("wrangler flow") });
    const put = await client.putScript("account", "wr", { main_module: "index.js", bindings: [{ name: "ASSETS", type: "assets" }], assets: { jwt } }, [{ name: "index.js", content: WORKER_JS }]);
    expect(put.status).toBe(200);

    const service = await client.call("GET", `/accounts/${ACCOUNT}/workers/services/wr`);
    expect(service.body.result).toMatchObject({ id: "wr", default_environment: { environment: "production", script: { id: "wr", has_assets: true } } });
    const deployments = await client.call("GET", `${script}/deployments`);
    expect(deployments.body.result.deployments[0]).toMatchObject({ strategy: "percentage", versions: [{ version_id: put.body.result.deployment_id, percentage: 100 }] });

    const form = new (await import("undici")).FormData();
    form.append("metadata", JSON.stringify({ main_module: "index.js", bindings: [{ name: "ASSETS", type: "assets" }], keep_assets: true }));
    form.append("index.js", new Blob([WORKER_JS + "//v2"], { type: "application/javascript+module" }), "index.js");
    const version = await client.call("POST", `${script}/versions?bindings_inherit=strict`, { form });
    expect(version.status).toBe(200);
    expect(version.body.result).toMatchObject({ number: 2, resources: { script: { etag: expect.stringMatching(/^[0-9a-f]{64}$/) } }, startup_time_ms: 0 });
    const deploy = await client.call("POST", `${script}/deployments`, { json: { strategy: "percentage", versions: [{ version_id: version.body.result.id, percentage: 100 }], annotations: {} } });
    expect(deploy.status).toBe(200);
    expect(deploy.body.result.versions[0].version_id).toBe(version.body.result.id);

    const patched = await client.call("PATCH", `${script}/script-settings`, { json: { observability: { enabled: false }, tags: ["x"] } });
    expect(patched.body.result).toMatchObject({ tags: ["x"], observability: { enabled: false } });
    expect((await client.call("GET", `${script}/secrets`)).body.result).toEqual([]);
    expect((await client.call("GET", `${script}/subdomain`)).body.result).toEqual({ enabled: true, previews_enabled: true });
    expect((await client.call("POST", `${script}/subdomain`, { json: { enabled: true } })).body.result.enabled).toBe(true);

    const stats = (await emu.stats()).accounts[ACCOUNT]!;
    expect(stats.scripts.wr).toMatchObject({ hasAssets: true, puts: 2, tags: ["x"] });
  });

  it("records wrangler as the deploying client from its User-Agent", async () => {
    const { FormData } = await import("undici");
    const form = new FormData();
    form.append("metadata", JSON.stringify({ main_module: "index.js" }));
    form.append("index.js", new Blob([WORKER_JS], { type: "application/javascript+module" }), "index.js");
    const put = await client.call("PUT", `/accounts/${ACCOUNT}/workers/scripts/by-wrangler?excludeScript=true&bindings_inherit=strict`, { form, headers: { "user-agent": "wrangler/4.86.0" } });
    expect(put.body.result.last_deployed_from).toBe("wrangler");
    const service = await client.call("GET", `/accounts/${ACCOUNT}/workers/services/by-wrangler`);
    expect(service.body.result.default_environment.script.last_deployed_from).toBe("wrangler");
    expect((await client.putScript("account", "by-api", { main_module: "index.js" }, [{ name: "index.js", content: WORKER_JS }])).body.result.last_deployed_from).toBe("api");
  });

  it("verifies a token", async () => {
    const res = await client.call("GET", "/user/tokens/verify");
    expect(res.body.result).toMatchObject({ status: "active" });
    expect((await client.call("GET", "/user/tokens/verify", { auth: { token: "nope" } })).status).toBe(403);
  });
});

describe("GET /__emulator/stats", () => {
  it("serves the stats shape without authentication", async () => {
    await client.createNamespace("stats-ns");
    const res = await fetch(`${emu.origin}/__emulator/stats`);
    expect(res.status).toBe(200);
    const stats = (await res.json()) as EmulatorStats;
    expect(stats).toEqual(await emu.stats());
    const account = stats.accounts[ACCOUNT]!;
    expect(Object.keys(account).sort()).toEqual(["namespaces", "requests", "scripts", "stores"]);
    expect(account.namespaces["stats-ns"]).toEqual({ scripts: {} });
    expect(account.stores["namespace:stats-ns"]).toEqual({ uploadRequests: 0, filesUploaded: 0, bytesUploaded: 0, perHash: {}, blobs: 0 });
    expect(account.requests["POST namespaces"]).toBeGreaterThanOrEqual(1);
  });

  it("refuses other methods", async () => {
    expect((await fetch(`${emu.origin}/__emulator/stats`, { method: "POST" })).status).toBe(405);
  });
});
