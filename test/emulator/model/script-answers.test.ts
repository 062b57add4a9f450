import { FormData } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { ACCOUNT, TestClient, WORKER_JS, asset, scriptPath, start } from "../helpers.js";

let emu: RunningEmulator;
let client: TestClient;
const NS = { namespace: "answers" };
beforeAll(async () => {
  ({ emu, client } = await start());
  await client.createNamespace("answers");
});
afterAll(() => emu.close());

const worker = [{ name: "index.js", content: WORKER_JS }];
const site = (tag: string) => ({ "/index.html": asset(`<h1>${tag}</h1>`, "html", "text/html; charset=utf-8") });

describe("answer shapes (SDK types, docs/cloudflare-api.md §15.3)", () => {
  it("PUT answers carry startup_time_ms, entry_point and deployment_id; GET and list do not; placement is omitted when unset", async () => {
    const put = await client.putScript(NS, "shape", { main_module: "index.js", compatibility_date: "2025-06-01" }, worker);
    expect(put.status).toBe(200);
    expect(put.body.result).toMatchObject({ startup_time_ms: 0, entry_point: "index.js", id: "shape" });
    expect(put.body.result.deployment_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(put.body.result).not.toHaveProperty("placement");
    const got = (await client.call("GET", scriptPath(NS, "shape"))).body.result.script;
    for (const field of ["startup_time_ms", "entry_point", "deployment_id", "placement"]) expect(got).not.toHaveProperty(field);
    const list = (await client.call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/answers/scripts`)).body.result;
    expect(list.find((s: { id: string }) => s.id === "shape")).toEqual({ id: "shape", created_on: got.created_on, modified_on: got.modified_on });
  });

  it("echoes a valid placement and drops an empty one", async () => {
    await client.putScript(NS, "placed", { main_module: "index.js", placement: { mode: "smart" } }, worker);
    expect((await client.call("GET", scriptPath(NS, "placed"))).body.result.script.placement).toEqual({ mode: "smart" });
    await client.putScript(NS, "placed", { main_module: "index.js", placement: {} }, worker);
    expect((await client.call("GET", scriptPath(NS, "placed"))).body.result.script).not.toHaveProperty("placement");
  });

  it("settings hide secret values; script-settings answers a ScriptSetting", async () => {
    await client.putScript("account", "secretive", { main_module: "index.js", bindings: [{ type: "secret_text", name: "S", text: "hush" }, { type: "plain_text", name: "P", text: "open" }], tags: ["a"] }, worker);
    const settings = (await client.call("GET", `${scriptPath("account", "secretive")}/settings`)).body.result;
    expect(settings.bindings).toEqual([{ type: "secret_text", name: "S" }, { type: "plain_text", name: "P", text: "open" }]);
    const scriptSettings = (await client.call("GET", `${scriptPath("account", "secretive")}/script-settings`)).body.result;
    expect(scriptSettings).toEqual({ logpush: false, tags: ["a"], tail_consumers: [] });
    const patched = await client.call("PATCH", `${scriptPath("account", "secretive")}/script-settings`, { json: { observability: { enabled: true }, tags: ["b"] } });
    expect(patched.body.result).toEqual({ logpush: false, tags: ["b"], tail_consumers: [], observability: { enabled: true } });
  });

  it("serves the script content on /content/v2 like /content", async () => {
    await client.putScript("account", "v2", { main_module: "index.js" }, worker);
    const v2 = await client.call("GET", `${scriptPath("account", "v2")}/content/v2`);
    expect(v2.status).toBe(200);
    expect(v2.headers.get("cf-entrypoint")).toBe("index.js");
    expect(v2.headers.get("content-type")).toMatch(/^multipart\/form-data; boundary=/);
    expect(v2.text).toContain(WORKER_JS);
  });
});

describe("module parts", () => {
  it("resolves main_module by the part's filename, not its field name", async () => {
    const form = (mainModule: string) => {
      const f = new FormData();
      f.append("metadata", JSON.stringify({ main_module: mainModule }));
      f.append("worker-part", new Blob([WORKER_JS], { type: "application/javascript+module" }), "entry.mjs");
      return f;
    };
    expect((await client.call("PUT", scriptPath(NS, "by-filename"), { form: form("entry.mjs") })).status).toBe(200);
    const byField = await client.call("PUT", scriptPath(NS, "by-filename"), { form: form("worker-part") });
    expect(byField.status).toBe(400);
    expect(byField.body.errors[0]).toMatchObject({ code: 10021 });
    expect(byField.body.errors[0].message).toMatch(/its filename is "entry\.mjs"/);
  });

  it("refuses application/json modules and names the alternatives", async () => {
    const res = await client.putScript(NS, "json-module", { main_module: "index.js" }, [...worker, { name: "data.json", content: "{}", type: "application/json" }]);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/"data\.json" has content type "application\/json", which is not a module type/);
    expect(res.body.errors[0].message).toMatch(/export default/);
    const asModule = await client.putScript(NS, "json-module", { main_module: "index.js" }, [...worker, { name: "data.json", content: "export default {};" }]);
    expect(asModule.status).toBe(200);
  });

  it("needs at least one positive run_worker_first rule", async () => {
    for (const rules of [["!/static/*"], []]) {
      const res = await client.putScript(NS, "rules", { main_module: "index.js", assets: { config: { run_worker_first: rules } } }, worker);
      expect(res.status, JSON.stringify(rules)).toBe(400);
      expect(res.body.errors[0].message).toMatch(/at least one positive rule/);
    }
  });
});

describe("etag, modified_on and tags (issue 10)", () => {
  it("keeps the etag on an assets-only redeploy and on tag changes; modified_on changes on every PUT", async () => {
    const first = await client.putScript(NS, "drift", { assets: { jwt: await client.uploadAll(NS, "drift", site("v1")), config: { html_handling: "none" } }, tags: ["t1"] });
    const second = await client.putScript(NS, "drift", { assets: { jwt: await client.uploadAll(NS, "drift", site("v2")), config: { html_handling: "auto-trailing-slash" } }, tags: [] });
    expect(second.body.result.etag).toBe(first.body.result.etag);
    expect(second.body.result.modified_on).not.toBe(first.body.result.modified_on);
    const withCode = await client.putScript(NS, "drift", { main_module: "index.js", keep_assets: true }, worker);
    expect(withCode.body.result.etag).not.toBe(first.body.result.etag);
    const withBinding = await client.putScript(NS, "drift", { main_module: "index.js", keep_assets: true, bindings: [{ type: "plain_text", name: "A", text: "1" }] }, worker);
    expect(withBinding.body.result.etag).not.toBe(withCode.body.result.etag);
    const withDate = await client.putScript(NS, "drift", { main_module: "index.js", keep_assets: true, bindings: [{ type: "plain_text", name: "A", text: "1" }], compatibility_date: "2025-01-01" }, worker);
    expect(withDate.body.result.etag).not.toBe(withBinding.body.result.etag);
  });

  it("replaces tags when sent, clears them with [], keeps them when omitted", async () => {
    const tagsOf = async () => (await client.call("GET", scriptPath(NS, "tagged"))).body.result.script.tags;
    await client.putScript(NS, "tagged", { main_module: "index.js", tags: ["a", "b"] }, worker);
    await client.putScript(NS, "tagged", { main_module: "index.js" }, worker);
    expect(await tagsOf()).toEqual(["a", "b"]);
    await client.putScript(NS, "tagged", { main_module: "index.js", tags: ["c"] }, worker);
    expect(await tagsOf()).toEqual(["c"]);
    await client.putScript(NS, "tagged", { main_module: "index.js", tags: [] }, worker);
    expect(await tagsOf()).toEqual([]);
  });

  it("keep_bindings keeps the previous bindings of the listed types unless the new ones name them", async () => {
    await client.putScript(NS, "kept", { main_module: "index.js", bindings: [{ type: "secret_text", name: "S", text: "1" }, { type: "secret_text", name: "T", text: "2" }, { type: "plain_text", name: "P", text: "p" }] }, worker);
    await client.putScript(NS, "kept", { main_module: "index.js", bindings: [{ type: "secret_text", name: "T", text: "new" }], keep_bindings: ["secret_text"] }, worker);
    const stats = (await emu.stats()).accounts[ACCOUNT]!.namespaces.answers!.scripts.kept!;
    expect(stats.bindings).toEqual([{ type: "secret_text", name: "T", text: "new" }, { type: "secret_text", name: "S", text: "1" }]);
    await client.putScript(NS, "kept", { main_module: "index.js" }, worker);
    expect((await emu.stats()).accounts[ACCOUNT]!.namespaces.answers!.scripts.kept!.bindings).toEqual([]);
  });
});

describe("minimalPutAnswers", () => {
  it("answers both PUT routes with only startup_time_ms", async () => {
    const minimal = await start({ minimalPutAnswers: true });
    try {
      await minimal.client.createNamespace("m");
      const ns = await minimal.client.putScript({ namespace: "m" }, "s", { main_module: "index.js" }, worker);
      expect(ns.body.result).toEqual({ startup_time_ms: 0 });
      const acct = await minimal.client.putScript("account", "s", { main_module: "index.js" }, worker);
      expect(acct.body.result).toEqual({ startup_time_ms: 0 });
      // The script was applied all the same: reads see it.
      expect((await minimal.client.call("GET", scriptPath({ namespace: "m" }, "s"))).body.result.script.id).toBe("s");
    } finally {
      await minimal.emu.close();
    }
  });
});
