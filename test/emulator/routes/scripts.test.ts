import { FormData, Response } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { ACCOUNT, TestClient, WORKER_JS, asset, jwtPayload, manifestOf, scriptPath, start } from "../helpers.js";

let emu: RunningEmulator;
let client: TestClient;
const NS = { namespace: "scripts" };
beforeAll(async () => {
  ({ emu, client } = await start());
  await client.createNamespace("scripts");
});
afterAll(() => emu.close());

const ASSETS_BINDING = { name: "ASSETS", type: "assets" };
const site = () => ({ "/index.html": asset(`<h1>${Math.random()}</h1>`, "html", "text/html"), "/app.js": asset(`console.log(${Math.random()})`, "js", "text/javascript") });
const worker = [{ name: "index.js", content: WORKER_JS }];

async function scriptStats(target: typeof NS | "account", name: string) {
  const account = (await emu.stats()).accounts[ACCOUNT]!;
  return target === "account" ? account.scripts[name] : account.namespaces[target.namespace]!.scripts[name];
}

describe("script PUT", () => {
  it("attaches uploaded assets and answers with the script object (wrangler's query accepted)", async () => {
    const assets = site();
    const jwt = await client.uploadAll(NS, "full", assets);
    const form = new FormData();
    form.append("metadata", JSON.stringify({ main_module: "index.js", bindings: [ASSETS_BINDING], compatibility_date: "2025-06-01", compatibility_flags: ["nodejs_compat"], assets: { jwt, config: { html_handling: "auto-trailing-slash", not_found_handling: "404-page" } } }));
    form.append("index.js", new Blob([WORKER_JS], { type: "application/javascript+module" }), "index.js");
    const res = await client.call("PUT", `${scriptPath(NS, "full")}?excludeScript=true&bindings_inherit=strict`, { form });
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({
      id: "full",
      has_assets: true,
      has_modules: true,
      compatibility_date: "2025-06-01",
      compatibility_flags: ["nodejs_compat"],
      startup_time_ms: 0,
      usage_model: "standard",
    });
    expect(res.body.result.etag).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.result.deployment_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(res.body.result.modified_on)).not.toBeNaN();

    const stats = await scriptStats(NS, "full");
    expect(stats).toEqual({
      id: "full",
      etag: res.body.result.etag,
      createdOn: res.body.result.created_on,
      modifiedOn: res.body.result.modified_on,
      hasAssets: true,
      hasModules: true,
      mainModule: "index.js",
      manifest: manifestOf(assets),
      assetConfig: { html_handling: "auto-trailing-slash", not_found_handling: "404-page" },
      bindings: [ASSETS_BINDING],
      compatibilityDate: "2025-06-01",
      compatibilityFlags: ["nodejs_compat"],
      tags: [],
      puts: 1,
    });
  });

  it("deploys an assets-only worker from metadata alone", async () => {
    const jwt = await client.uploadAll(NS, "static", site());
    const res = await client.putScript(NS, "static", { assets: { jwt, config: { not_found_handling: "single-page-application" } }, compatibility_date: "2025-01-01" });
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ has_assets: true, has_modules: false });
  });

  it("refuses an assets binding on an assets-only worker", async () => {
    const jwt = await client.uploadAll(NS, "static2", site());
    const res = await client.putScript(NS, "static2", { bindings: [ASSETS_BINDING], assets: { jwt } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toBe("Cannot use assets with a binding in an assets-only Worker.");
  });

  it("refuses run_worker_first without a script module", async () => {
    const jwt = await client.uploadAll(NS, "rwf", site());
    for (const rwf of [true, ["/api/*"]]) {
      const res = await client.putScript(NS, "rwf", { assets: { jwt, config: { run_worker_first: rwf } } });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].message).toBe("Cannot set run_worker_first without a Worker script.");
    }
    const withCode = await client.putScript(NS, "rwf", { main_module: "index.js", assets: { jwt, config: { run_worker_first: ["/api/*", "!/api/public/*"] } } }, worker);
    expect(withCode.status).toBe(200);
  });

  it("refuses an assets binding without assets", async () => {
    const res = await client.putScript(NS, "no-assets", { main_module: "index.js", bindings: [ASSETS_BINDING] }, worker);
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ code: 10021, message: "Cannot use an assets binding without assets" });
    const keepNothing = await client.putScript(NS, "no-assets", { main_module: "index.js", bindings: [ASSETS_BINDING], keep_assets: true }, worker);
    expect(keepNothing.status).toBe(400);
  });

  it("keeps the previous assets with keep_assets, replaces the asset config on every PUT, and drops assets without either", async () => {
    const assets = site();
    const jwt = await client.uploadAll(NS, "keep", assets);
    await client.putScript(NS, "keep", { main_module: "index.js", bindings: [ASSETS_BINDING], assets: { jwt, config: { html_handling: "none", _headers: "/*\n  X-A: 1\n" } } }, worker);

    const kept = await client.putScript(NS, "keep", { main_module: "index.js", bindings: [ASSETS_BINDING], keep_assets: true, assets: { config: { not_found_handling: "404-page" } } }, worker);
    expect(kept.status).toBe(200);
    expect(kept.body.result.has_assets).toBe(true);
    let stats = await scriptStats(NS, "keep");
    expect(stats?.manifest).toEqual(manifestOf(assets));
    expect(stats?.assetConfig).toEqual({ not_found_handling: "404-page" });

    const noConfig = await client.putScript(NS, "keep", { main_module: "index.js", bindings: [ASSETS_BINDING], keep_assets: true }, worker);
    expect(noConfig.status).toBe(200);
    stats = await scriptStats(NS, "keep");
    expect(stats?.assetConfig).toEqual({});
    expect(stats?.puts).toBe(3);

    const dropped = await client.putScript(NS, "keep", { main_module: "index.js" }, worker);
    expect(dropped.body.result.has_assets).toBe(false);
    stats = await scriptStats(NS, "keep");
    expect(stats?.manifest).toEqual({});
    expect(stats?.hasAssets).toBe(false);
  });

  it("prefers a new upload over keep_assets", async () => {
    const v1 = site(), v2 = site();
    await client.putScript(NS, "prefer", { assets: { jwt: await client.uploadAll(NS, "prefer", v1) } });
    const jwt2 = await client.uploadAll(NS, "prefer", v2);
    await client.putScript(NS, "prefer", { keep_assets: true, assets: { jwt: jwt2 } });
    expect((await scriptStats(NS, "prefer"))?.manifest).toEqual(manifestOf(v2));
  });

  it("merges kept bindings (keep_bindings) with the new ones", async () => {
    await client.putScript(NS, "kb", { main_module: "index.js", bindings: [{ type: "plain_text", name: "A", text: "1" }, { type: "secret_text", name: "S", text: "x" }] }, worker);
    await client.putScript(NS, "kb", { main_module: "index.js", bindings: [{ type: "plain_text", name: "B", text: "2" }], keep_bindings: ["secret_text"] }, worker);
    const stats = await scriptStats(NS, "kb");
    expect(stats?.bindings).toEqual([{ type: "plain_text", name: "B", text: "2" }, { type: "secret_text", name: "S", text: "x" }]);
  });

  it("changes etag and modified_on with the content, keeps created_on", async () => {
    const first = await client.putScript(NS, "etag", { main_module: "index.js" }, worker);
    const same = await client.putScript(NS, "etag", { main_module: "index.js" }, worker);
    const changed = await client.putScript(NS, "etag", { main_module: "index.js" }, [{ name: "index.js", content: WORKER_JS + "\n// v2" }]);
    expect(same.body.result.etag).toBe(first.body.result.etag);
    expect(changed.body.result.etag).not.toBe(first.body.result.etag);
    expect(new Set([first, same, changed].map((r) => r.body.result.modified_on)).size).toBe(3);
    expect(changed.body.result.created_on).toBe(first.body.result.created_on);
  });
});

describe("completion JWT misuse", () => {
  it("attaches a completion JWT once", async () => {
    const jwt = await client.uploadAll(NS, "once", site());
    expect((await client.putScript(NS, "once", { assets: { jwt } })).status).toBe(200);
    const again = await client.putScript(NS, "once", { assets: { jwt } });
    expect(again.status).toBe(400);
    expect(again.body.errors[0]).toMatchObject({ code: 10313 });
    expect(again.body.errors[0].message).toMatch(/already attached/);
  });

  it("lets exactly one of two concurrent PUTs use a completion JWT", async () => {
    const jwt = await client.uploadAll(NS, "race", site());
    const results = await Promise.all([1, 2, 3].map(() => client.putScript(NS, "race", { assets: { jwt } })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
  });

  it("refuses a completion JWT issued for another script", async () => {
    const jwt = await client.uploadAll(NS, "owner", site());
    const res = await client.putScript(NS, "thief", { assets: { jwt } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/issued for script "owner" in dispatch namespace "scripts", not script "thief"/);
  });

  it("refuses a completion JWT from the account route on the namespace route (and vice versa)", async () => {
    const accountJwt = await client.uploadAll("account", "mixed", site());
    const onNamespace = await client.putScript(NS, "mixed", { assets: { jwt: accountJwt } });
    expect(onNamespace.status).toBe(400);
    expect(onNamespace.body.errors[0].message).toMatch(/same route as the PUT/);
    const nsJwt = await client.uploadAll(NS, "mixed", site());
    expect((await client.putScript("account", "mixed", { assets: { jwt: nsJwt } })).status).toBe(400);
    expect((await client.putScript("account", "mixed", { assets: { jwt: accountJwt } })).status).toBe(200);
  });

  it("refuses an upload JWT and a forged one in assets.jwt", async () => {
    const a = asset("upload jwt as completion");
    const session = await client.session(NS, "wrongkind", manifestOf({ "/a": a }));
    const res = await client.putScript(NS, "wrongkind", { assets: { jwt: session.body.result!.jwt } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/is an upload JWT/);
    const forged = await client.putScript(NS, "wrongkind", { assets: { jwt: "a.b.c" } });
    expect(forged.status).toBe(400);
  });
});

describe("script PUT validation", () => {
  it("needs the namespace to exist", async () => {
    const res = await client.putScript({ namespace: "nowhere" }, "x", { main_module: "index.js" }, worker);
    expect(res.status).toBe(404);
    expect(res.body.errors[0].code).toBe(10320);
  });

  it.each([
    ["no metadata part", undefined, /no part named "metadata"/],
    ["metadata that is not JSON", "{oops", /not valid JSON/],
    ["a main_module naming no part", JSON.stringify({ main_module: "missing.js" }), /main_module "missing.js" names no uploaded module/],
    ["an unknown html_handling", JSON.stringify({ main_module: "index.js", assets: { config: { html_handling: "sometimes" } } }), /html_handling/],
    ["more than 8 tags", JSON.stringify({ main_module: "index.js", tags: ["1", "2", "3", "4", "5", "6", "7", "8", "9"] }), /tags/],
  ])("refuses %s with 400", async (_label, metadata, message) => {
    const form = new FormData();
    if (metadata !== undefined) form.append("metadata", metadata);
    form.append("index.js", new Blob([WORKER_JS], { type: "application/javascript+module" }), "index.js");
    const res = await client.call("PUT", scriptPath(NS, "invalid"), { form });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(message);
  });

  it("refuses a worker with neither modules nor assets", async () => {
    const res = await client.putScript(NS, "nothing", {});
    expect(res.status).toBe(400);
  });

  it("accepts a service-worker body_part and metadata sent as a JSON file part", async () => {
    const form = new FormData();
    form.append("metadata", new Blob([JSON.stringify({ body_part: "script" })], { type: "application/json" }), "metadata.json");
    form.append("script", new Blob(["addEventListener('fetch', () => {})"], { type: "application/javascript" }), "script");
    const res = await client.call("PUT", scriptPath(NS, "sw"), { form });
    expect(res.status).toBe(200);
    expect((await scriptStats(NS, "sw"))?.mainModule).toBe("script");
  });
});

describe("script reads", () => {
  beforeAll(async () => {
    const jwt = await client.uploadAll(NS, "reader", site());
    await client.putScript(NS, "reader", { main_module: "index.js", bindings: [ASSETS_BINDING], compatibility_date: "2025-02-02", tags: ["tenant:1", "plan:pro"], assets: { jwt, config: { html_handling: "none" } } }, [
      { name: "index.js", content: WORKER_JS },
      { name: "lib/util.js", content: "export const x = 1;" },
    ]);
    await client.putScript(NS, "other", { main_module: "index.js", tags: ["tenant:2"] }, worker);
  });

  it("GET on the namespace route wraps the script object", async () => {
    const res = await client.call("GET", scriptPath(NS, "reader"));
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ dispatch_namespace: "scripts", script: { id: "reader", has_assets: true, has_modules: true, tags: ["tenant:1", "plan:pro"] } });
    expect(res.body.result.created_on).toBe(res.body.result.script.created_on);
  });

  it("GET settings has bindings, compatibility and tags but no asset config", async () => {
    const res = await client.call("GET", `${scriptPath(NS, "reader")}/settings`);
    expect(res.body.result).toMatchObject({ bindings: [ASSETS_BINDING], compatibility_date: "2025-02-02", compatibility_flags: [], tags: ["tenant:1", "plan:pro"] });
    expect(JSON.stringify(res.body.result)).not.toContain("html_handling");
  });

  it("GET content returns the modules as multipart with cf-entrypoint", async () => {
    const res = await client.call("GET", `${scriptPath(NS, "reader")}/content`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cf-entrypoint")).toBe("index.js");
    const form = await new Response(res.text, { headers: { "content-type": res.headers.get("content-type")! } }).formData();
    expect(await (form.get("index.js") as Blob).text()).toBe(WORKER_JS);
    expect(await (form.get("lib/util.js") as Blob).text()).toBe("export const x = 1;");
  });

  it("lists scripts, filtered by tags", async () => {
    const all = await client.call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/scripts/scripts`);
    expect(all.body.result.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining(["reader", "other"]));
    const tagged = await client.call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/scripts/scripts?tags=tenant:1:yes`);
    expect(tagged.body.result.map((s: { id: string }) => s.id)).toEqual(["reader"]);
    const without = await client.call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/scripts/scripts?tags=tenant:1:no,tenant:2:yes`);
    expect(without.body.result.map((s: { id: string }) => s.id)).toEqual(["other"]);
  });

  it("answers 404 10092 for a missing script on the namespace script GET (wrangler's 'new Worker'), 10007 elsewhere", async () => {
    const get = await client.call("GET", scriptPath(NS, "ghost"));
    expect(get.status).toBe(404);
    expect(get.body.errors[0].code).toBe(10092);
    for (const suffix of ["/settings", "/content"]) {
      const res = await client.call("GET", `${scriptPath(NS, "ghost")}${suffix}`);
      expect(res.status).toBe(404);
      expect(res.body.errors[0].code).toBe(10007);
    }
    for (const path of [scriptPath("account", "ghost"), `${scriptPath("account", "ghost")}/content/v2`, `${scriptPath("account", "ghost")}/script-settings`]) {
      const res = await client.call("GET", path);
      expect(res.status).toBe(404);
      expect(res.body.errors[0].code).toBe(10007);
    }
    expect((await client.call("DELETE", scriptPath(NS, "ghost"))).body.errors[0].code).toBe(10007);
  });

  it("keeps a missing namespace distinguishable from a missing script on every namespace route (10320)", async () => {
    const gone = { namespace: "never-created" };
    const calls: Array<[string, string]> = [
      ["GET", scriptPath(gone, "x")],
      ["GET", `${scriptPath(gone, "x")}/settings`],
      ["GET", `${scriptPath(gone, "x")}/content`],
      ["DELETE", scriptPath(gone, "x")],
      ["GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/never-created/scripts`],
      ["GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/never-created`],
      ["DELETE", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/never-created`],
    ];
    for (const [method, path] of calls) {
      const res = await client.call(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.errors[0].code, `${method} ${path}`).toBe(10320);
    }
    const session = await client.session(gone, "x", {});
    expect(session.body.errors[0].code).toBe(10320);
    expect((await client.putScript(gone, "x", { main_module: "index.js" }, worker)).body.errors[0].code).toBe(10320);
  });

  it("account scripts: PUT, GET, list, DELETE", async () => {
    const jwt = await client.uploadAll("account", "acct-site", site());
    expect((await client.putScript("account", "acct-site", { main_module: "index.js", bindings: [ASSETS_BINDING], assets: { jwt } }, worker)).status).toBe(200);
    // The account script GET answers the script itself, not JSON (SDK workers.scripts.get).
    const got = await client.call("GET", scriptPath("account", "acct-site"));
    expect(got.status).toBe(200);
    expect(got.text).toBe(WORKER_JS);
    expect(got.headers.get("content-type")).toBe("application/javascript+module");
    const list = await client.call("GET", `/accounts/${ACCOUNT}/workers/scripts`);
    expect(list.body.result.map((s: { id: string }) => s.id)).toContain("acct-site");
    expect((await scriptStats("account", "acct-site"))?.hasAssets).toBe(true);
    expect((await client.call("DELETE", `${scriptPath("account", "acct-site")}?force=true`)).status).toBe(200);
    expect((await client.call("GET", scriptPath("account", "acct-site"))).status).toBe(404);
  });

  it("DELETE removes a namespace script; assets stay in the namespace store", async () => {
    const assets = site();
    const jwt = await client.uploadAll(NS, "deleted", assets);
    await client.putScript(NS, "deleted", { assets: { jwt } });
    const del = await client.call("DELETE", `${scriptPath(NS, "deleted")}?force=true`);
    expect(del.status).toBe(200);
    expect((await client.call("GET", scriptPath(NS, "deleted"))).status).toBe(404);
    expect((await client.call("DELETE", scriptPath(NS, "deleted"))).status).toBe(404);
    const session = await client.session(NS, "deleted", manifestOf(assets));
    expect(session.body.result!.buckets).toEqual([]);
    expect(jwtPayload(session.body.result!.jwt).knd).toBe("completion");
  });
});
