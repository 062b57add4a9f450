/**
 * The official `cloudflare` SDK (7.3.0, generated from Cloudflare's OpenAPI spec) as a second client nobody here
 * wrote: every call goes through the SDK's own methods, and every answer is checked against a strict schema of the
 * SDK's response type (sdk-schemas.ts; an extra or a missing field fails).
 */
import Cloudflare from "cloudflare";
import type { ScriptUpdateParams } from "cloudflare/resources/workers/scripts/scripts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { ACCOUNT, type Asset, asset, start } from "../emulator/helpers.js";
import {
  accountSettingsSchema,
  assetUploadSchema,
  expectConforms,
  namespaceListEnvelopeSchema,
  namespaceSchema,
  namespaceScriptSchema,
  namespaceSettingsSchema,
  nullResultEnvelopeSchema,
  putAnswerSchema,
  scriptListItemSchema,
  scriptSettingSchema,
  scriptUpdateSchema,
  sessionSchema,
  tagDeleteSchema,
  tagSchema,
  workerSchema,
} from "./sdk-schemas.js";

const NS = "sdk-ns";
const WORKER = "export default { fetch(request, env) { return env.ASSETS.fetch(request); } };";
const ASSETS: Record<string, Asset> = {
  "/index.html": asset("<h1>sdk</h1>", "html", "text/html; charset=utf-8"),
  "/app.css": asset("body{}", "css", "text/css; charset=utf-8"),
};
const manifest = Object.fromEntries(Object.entries(ASSETS).map(([p, a]) => [p, { hash: a.hash, size: a.content.length }]));

let emu: RunningEmulator;
let cf: Cloudflare;

beforeAll(async () => {
  ({ emu } = await start());
  cf = new Cloudflare({ apiToken: emu.tokens[0]!, baseURL: emu.url, maxRetries: 0 });
});
afterAll(() => emu?.close());

/**
 * Uploads every bucket with the SDK's `workers.assets.upload.create`, authenticated by the session's upload JWT
 * (per-call `Authorization` header, docs/cloudflare-api.md §7.3); returns the completion JWT.
 */
async function uploadBuckets(session: { jwt?: string; buckets?: string[][] }): Promise<string> {
  const byHash = new Map(Object.values(ASSETS).map((a) => [a.hash, a]));
  let completion = (session.buckets ?? []).flat().length === 0 ? session.jwt : undefined;
  for (const bucket of session.buckets ?? []) {
    const body = Object.fromEntries(bucket.map((h) => [h, byHash.get(h)!.content.toString("base64")]));
    const answer = await cf.workers.assets.upload.create({ account_id: ACCOUNT, base64: true, body }, { headers: { Authorization: `Bearer ${session.jwt}` } });
    completion = expectConforms(assetUploadSchema, answer, "workers.assets.upload.create").jwt ?? completion;
  }
  if (!completion) throw new Error("no completion JWT");
  return completion;
}

/**
 * The SDK's `scripts.update` cannot upload as typed (cloudflare-typescript #2799, docs/cloudflare-api.md §15.3): it forces
 * `Content-Type: application/javascript` onto a multipart body and bracket-encodes an object `metadata`
 * (`metadata[main_module]`). The SDK's bug, worked around as the doc says: metadata as a JSON *file* part, each
 * module under its filename, and `headers: {"Content-Type": null}` so fetch sets the multipart boundary itself.
 */
function uploadBody(metadata: Record<string, unknown>, modules: Array<{ name: string; code: string }>): { body: Record<string, unknown>; headers: Record<string, null> } {
  const body: Record<string, unknown> = { metadata: new File([JSON.stringify(metadata)], "metadata.json", { type: "application/json" }) };
  for (const m of modules) body[m.name] = new File([m.code], m.name, { type: "application/javascript+module" });
  return { body, headers: { "Content-Type": null } };
}

describe("the official SDK against the emulator", () => {
  it("manages dispatch namespaces", async () => {
    expectConforms(namespaceSchema, await cf.workersForPlatforms.dispatch.namespaces.create({ account_id: ACCOUNT, name: NS }), "namespaces.create");
    expectConforms(namespaceSchema, await cf.workersForPlatforms.dispatch.namespaces.get(NS, { account_id: ACCOUNT }), "namespaces.get");
    const listed = [];
    for await (const ns of cf.workersForPlatforms.dispatch.namespaces.list({ account_id: ACCOUNT })) listed.push(expectConforms(namespaceSchema, ns, "namespaces.list item"));
    expect(listed.map((n) => n.namespace_name)).toContain(NS);
  });

  it("deploys into the namespace: session, uploads with the session JWT, PUT, then reads it back", async () => {
    const session = expectConforms(
      sessionSchema,
      await cf.workersForPlatforms.dispatch.namespaces.scripts.assetUpload.create("sdk-site", { account_id: ACCOUNT, dispatch_namespace: NS, manifest }),
      "namespaces.scripts.assetUpload.create",
    );
    expect(session.buckets?.flat().sort()).toEqual(Object.values(ASSETS).map((a) => a.hash).sort());
    const jwt = await uploadBuckets(session);

    const metadata = { main_module: "index.js", compatibility_date: "2025-06-01", bindings: [{ type: "assets", name: "ASSETS" }, { type: "secret_text", name: "KEY", text: "s3cret" }], tags: ["sdk"], assets: { jwt, config: { html_handling: "auto-trailing-slash" } } };
    const { body, headers } = uploadBody(metadata, [{ name: "index.js", code: WORKER }]);
    const put = await cf.workersForPlatforms.dispatch.namespaces.scripts.update("sdk-site", { account_id: ACCOUNT, dispatch_namespace: NS, ...(body as { metadata: ScriptUpdateParams.Metadata }) }, { headers });
    const answer = expectConforms(putAnswerSchema, put, "namespaces.scripts.update");
    expect(answer).toMatchObject({ id: "sdk-site", has_assets: true, has_modules: true, entry_point: "index.js" });
    // Without its one documented extra field, the answer is exactly an SDK ScriptUpdateResponse.
    const { deployment_id: _versionId, ...sdkFields } = put as typeof put & { deployment_id?: string };
    expectConforms(scriptUpdateSchema, sdkFields, "namespaces.scripts.update without deployment_id");

    const got = expectConforms(namespaceScriptSchema, await cf.workersForPlatforms.dispatch.namespaces.scripts.get("sdk-site", { account_id: ACCOUNT, dispatch_namespace: NS }), "namespaces.scripts.get");
    expect(got.script).toMatchObject({ id: "sdk-site", etag: answer.etag, tags: ["sdk"] });
    const settings = expectConforms(
      namespaceSettingsSchema,
      await cf.workersForPlatforms.dispatch.namespaces.scripts.settings.get("sdk-site", { account_id: ACCOUNT, dispatch_namespace: NS }),
      "namespaces.scripts.settings.get",
    );
    expect(settings.bindings).toEqual([{ type: "assets", name: "ASSETS" }, { type: "secret_text", name: "KEY" }]);
    const content = await cf.workersForPlatforms.dispatch.namespaces.scripts.content.get("sdk-site", { account_id: ACCOUNT, dispatch_namespace: NS });
    expect(content.headers.get("content-type")).toMatch(/^multipart\/form-data/);
    expect(await content.text()).toContain(WORKER);

    // The namespace script list is not in the SDK: the SDK's generic GET, checked as a whole envelope.
    const list = expectConforms(namespaceListEnvelopeSchema, await cf.get(`/accounts/${ACCOUNT}/workers/dispatch/namespaces/${NS}/scripts`, { query: { limit: 10 } }), "GET …/scripts");
    expect(list.result.map((s) => s.id)).toEqual(["sdk-site"]);
  });

  it("answers a missing namespace script with 404 code 10092, a missing namespace with another code", async () => {
    const missingScript = await cf.workersForPlatforms.dispatch.namespaces.scripts.get("nobody", { account_id: ACCOUNT, dispatch_namespace: NS }).catch((e: unknown) => e);
    expect(missingScript).toBeInstanceOf(Cloudflare.NotFoundError);
    expect((missingScript as InstanceType<typeof Cloudflare.NotFoundError>).errors.map((e) => e.code)).toEqual([10092]);
    const missingNamespace = await cf.workersForPlatforms.dispatch.namespaces.scripts.get("nobody", { account_id: ACCOUNT, dispatch_namespace: "no-such-ns" }).catch((e: unknown) => e);
    expect(missingNamespace).toBeInstanceOf(Cloudflare.NotFoundError);
    expect((missingNamespace as InstanceType<typeof Cloudflare.NotFoundError>).errors.map((e) => e.code)).not.toContain(10092);
    expect((missingNamespace as InstanceType<typeof Cloudflare.NotFoundError>).errors.map((e) => e.code)).not.toContain(10007);
  });

  it("deploys an account script and reads it through every account route", async () => {
    const session = expectConforms(sessionSchema, await cf.workers.scripts.assets.upload.create("sdk-account", { account_id: ACCOUNT, manifest }), "workers.scripts.assets.upload.create");
    const jwt = await uploadBuckets(session);
    const { body, headers } = uploadBody({ main_module: "index.js", bindings: [{ type: "assets", name: "ASSETS" }], assets: { jwt } }, [{ name: "index.js", code: WORKER }]);
    const put = await cf.workers.scripts.update("sdk-account", { account_id: ACCOUNT, ...(body as { metadata: ScriptUpdateParams.Metadata }) }, { headers });
    expectConforms(putAnswerSchema, put, "workers.scripts.update");

    // GET answers the script itself, not JSON.
    expect(await cf.workers.scripts.get("sdk-account", { account_id: ACCOUNT })).toBe(WORKER);
    const v2 = await cf.workers.scripts.content.get("sdk-account", { account_id: ACCOUNT });
    expect(await v2.text()).toContain(WORKER);
    expectConforms(accountSettingsSchema, await cf.workers.scripts.scriptAndVersionSettings.get("sdk-account", { account_id: ACCOUNT }), "workers.scripts.scriptAndVersionSettings.get");
    const edited = expectConforms(scriptSettingSchema, await cf.workers.scripts.settings.edit("sdk-account", { account_id: ACCOUNT, tags: ["edited"], logpush: false }), "workers.scripts.settings.edit");
    expect(edited.tags).toEqual(["edited"]);
    expectConforms(scriptSettingSchema, await cf.workers.scripts.settings.get("sdk-account", { account_id: ACCOUNT }), "workers.scripts.settings.get");
    const items = [];
    for await (const item of cf.workers.scripts.list({ account_id: ACCOUNT })) items.push(expectConforms(scriptListItemSchema, item, "workers.scripts.list item"));
    expect(items.map((s) => s.id)).toEqual(["sdk-account"]);

    // The newer Workers API, which wrangler reads after an account deploy (its `subdomain`).
    const worker = expectConforms(workerSchema, await cf.workers.beta.workers.get("sdk-account", { account_id: ACCOUNT }), "workers.beta.workers.get");
    expect(worker).toMatchObject({ id: "sdk-account", name: "sdk-account", tags: ["edited"], subdomain: { enabled: true } });
    const missing = await cf.workers.beta.workers.get("nobody", { account_id: ACCOUNT }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Cloudflare.NotFoundError);
    expect((missing as InstanceType<typeof Cloudflare.NotFoundError>).errors.map((e) => e.code)).toEqual([10007]);
  });

  it("deploys an assets-only script through the SDK's PUT (metadata alone)", async () => {
    const session = expectConforms(
      sessionSchema,
      await cf.workersForPlatforms.dispatch.namespaces.scripts.assetUpload.create("sdk-static", { account_id: ACCOUNT, dispatch_namespace: NS, manifest }),
      "namespaces.scripts.assetUpload.create (deduplicated)",
    );
    // Every hash is already stored in this namespace: no buckets, and the JWT is the completion token.
    expect(session.buckets ?? []).toEqual([]);
    const { body, headers } = uploadBody({ assets: { jwt: session.jwt } }, []);
    const put = await cf.workersForPlatforms.dispatch.namespaces.scripts.update("sdk-static", { account_id: ACCOUNT, dispatch_namespace: NS, ...(body as { metadata: ScriptUpdateParams.Metadata }) }, { headers });
    expect(expectConforms(putAnswerSchema, put, "namespaces.scripts.update (assets-only)")).toMatchObject({ has_assets: true, has_modules: false });
  });

  it("manages a namespace script's tags and deletes scripts by tag", async () => {
    const scripts = cf.workersForPlatforms.dispatch.namespaces.scripts;
    const where = { account_id: ACCOUNT, dispatch_namespace: NS };
    const { body, headers } = uploadBody({ main_module: "index.js", tags: ["wfp-owner=p/s"] }, [{ name: "index.js", code: WORKER.replace("env.ASSETS.fetch(request)", "new Response('tagged')") }]);
    expectConforms(putAnswerSchema, await scripts.update("sdk-tagged", { ...where, ...(body as { metadata: ScriptUpdateParams.Metadata }) }, { headers }), "namespaces.scripts.update (tagged)");

    const read = async () => {
      const tags = [];
      for await (const tag of scripts.tags.list("sdk-tagged", where)) tags.push(expectConforms(tagSchema, tag, "scripts.tags.list item"));
      return tags;
    };
    expect(await read()).toEqual(["wfp-owner=p/s"]);
    const replaced = [];
    for await (const tag of scripts.tags.update("sdk-tagged", { ...where, body: ["wfp-owner=p/s", "team-a", "gone-soon"] })) replaced.push(expectConforms(tagSchema, tag, "scripts.tags.update item"));
    expect(replaced).toEqual(["wfp-owner=p/s", "team-a", "gone-soon"]);
    expectConforms(tagDeleteSchema, await scripts.tags.delete("gone-soon", { ...where, script_name: "sdk-tagged" }), "scripts.tags.delete");
    const tagPath = `/accounts/${ACCOUNT}/workers/dispatch/namespaces/${NS}/scripts/sdk-tagged/tags/${encodeURIComponent("plan:free")}`;
    expectConforms(nullResultEnvelopeSchema, await cf.put(tagPath), "PUT …/tags/{tag}");
    expect(await read()).toEqual(["wfp-owner=p/s", "team-a", "plan:free"]);

    const listPath = `/accounts/${ACCOUNT}/workers/dispatch/namespaces/${NS}/scripts`;
    const owned = expectConforms(namespaceListEnvelopeSchema, await cf.get(listPath, { query: { tags: "wfp-owner=p/s:yes" } }), "GET …/scripts?tags=");
    expect(owned.result.map((s) => s.id)).toEqual(["sdk-tagged"]);
    expectConforms(nullResultEnvelopeSchema, await cf.delete(listPath, { query: { tags: "wfp-owner=p/s:yes" } }), "DELETE …/scripts?tags=");
    await expect(scripts.get("sdk-tagged", where)).rejects.toBeInstanceOf(Cloudflare.NotFoundError);
    const rest = expectConforms(namespaceListEnvelopeSchema, await cf.get(listPath), "GET …/scripts");
    expect(rest.result.map((s) => s.id)).toEqual(["sdk-site", "sdk-static"]);
  });

  it("deletes scripts and the namespace", async () => {
    expect(await cf.workersForPlatforms.dispatch.namespaces.scripts.delete("sdk-site", { account_id: ACCOUNT, dispatch_namespace: NS, force: true })).toBeNull();
    expect(await cf.workersForPlatforms.dispatch.namespaces.scripts.delete("sdk-static", { account_id: ACCOUNT, dispatch_namespace: NS })).toBeNull();
    expect(await cf.workers.scripts.delete("sdk-account", { account_id: ACCOUNT, force: true })).toBeNull();
    expect(await cf.workersForPlatforms.dispatch.namespaces.delete(NS, { account_id: ACCOUNT })).toBeNull();
    await expect(cf.workersForPlatforms.dispatch.namespaces.get(NS, { account_id: ACCOUNT })).rejects.toBeInstanceOf(Cloudflare.NotFoundError);
  });
});
