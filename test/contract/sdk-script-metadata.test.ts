/**
 * The script PUT's metadata as the deploy flow builds it (src/deploy/script-form.ts), judged by the official `cloudflare`
 * SDK 7.3.0's `ScriptUpdateParams.Metadata` (both route families): a strict schema of the fields we send, which the
 * compiler holds to the SDK's types (`conforms`, sdk-schemas.ts), then a `keep_assets` update sent through the SDK's
 * own `scripts.update` to the emulator, which keeps the files and replaces the config.
 */
import Cloudflare from "cloudflare";
import type { ScriptUpdateParams as AccountScriptUpdateParams } from "cloudflare/resources/workers/scripts/scripts";
import type { ScriptUpdateParams as NamespaceScriptUpdateParams } from "cloudflare/resources/workers-for-platforms/dispatch/namespaces/scripts/scripts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { scriptMetadata, type DeployRequest } from "../../src/deploy/index.js";
import type { BuiltManifest } from "../../src/manifest/index.js";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { ACCOUNT, asset, start } from "../emulator/helpers.js";
import { fetchSite } from "../fixtures/emulator.mjs";
import { conforms, expectConforms, putAnswerSchema } from "./sdk-schemas.js";

const assetConfig = z
  .object({
    html_handling: z.enum(["auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"]).optional(),
    not_found_handling: z.enum(["none", "404-page", "single-page-application"]).optional(),
    run_worker_first: z.union([z.array(z.string()), z.boolean()]).optional(),
    _headers: z.string().optional(),
    _redirects: z.string().optional(),
  })
  .strict();
const binding = z.union([
  z.object({ type: z.literal("assets"), name: z.string() }).strict(),
  z.object({ type: z.literal("plain_text"), name: z.string(), text: z.string() }).strict(),
]);
/** Every field the deploy flow may put into the metadata, as the SDK types it. */
const metadataSchema = z
  .object({
    main_module: z.string().optional(),
    bindings: z.array(binding).optional(),
    compatibility_date: z.string().optional(),
    compatibility_flags: z.array(z.string()).optional(),
    tags: z.array(z.string()).optional(),
    keep_bindings: z.array(z.string()).optional(),
    keep_assets: z.boolean().optional(),
    assets: z.object({ jwt: z.string().optional(), config: assetConfig.optional() }).strict().optional(),
  })
  .strict();
conforms<z.infer<typeof metadataSchema>, NamespaceScriptUpdateParams.Metadata>();
conforms<z.infer<typeof metadataSchema>, AccountScriptUpdateParams.Metadata>();

const target = { accountId: ACCOUNT, namespace: "meta", scriptName: "kept" };
const built: BuiltManifest = { directory: "/nowhere", manifest: {}, files: [], ignored: [], fileCount: 0, totalBytes: 0, headers: "/*\n  X-From-File: 1\n" };
const WORKER = "export default { fetch(request, env) { return new URL(request.url).pathname === '/v' ? new Response('v2') : env.ASSETS.fetch(request); } };";
const request: DeployRequest = {
  target,
  assets: { keep: true, fileCount: 1, totalBytes: 8 },
  worker: { mainModule: "index.js", modules: [{ name: "index.js", content: WORKER }], compatibilityDate: "2025-06-01", assetsBinding: "ASSETS", bindings: [{ type: "plain_text", name: "A", text: "1" }] },
  assetConfig: { htmlHandling: "none", notFoundHandling: "404-page", headers: "/*\n  X-Kept: 1\n" },
  tags: ["t", "wfp-owner=p/s"],
  keepBindings: ["secret_text"],
};

describe("the script PUT's metadata under the SDK's ScriptUpdateParams.Metadata", () => {
  it("keeps the files with keep_assets and no JWT, and re-sends the whole asset config", () => {
    const metadata = expectConforms(metadataSchema, scriptMetadata(request, undefined), "metadata with keep_assets");
    expect(metadata.keep_assets).toBe(true);
    expect(metadata.assets).toEqual({ config: { html_handling: "none", not_found_handling: "404-page", _headers: "/*\n  X-Kept: 1\n" } });
  });

  it("attaches uploaded files by their completion JWT, without keep_assets", () => {
    const metadata = expectConforms(metadataSchema, scriptMetadata({ ...request, assets: built, assetConfig: undefined }, "JWT"), "metadata with an upload");
    expect(metadata).not.toHaveProperty("keep_assets");
    expect(metadata.assets).toEqual({ jwt: "JWT", config: { _headers: "/*\n  X-From-File: 1\n" } });
  });

  it("cannot build an upload's metadata without its completion JWT", () => {
    expect(() => scriptMetadata({ ...request, assets: built }, undefined)).toThrow(/completion JWT/);
  });
});

describe("a keep_assets update through the SDK's own scripts.update", () => {
  let emu: RunningEmulator;
  let cf: Cloudflare;
  beforeAll(async () => {
    ({ emu } = await start());
    cf = new Cloudflare({ apiToken: emu.tokens[0]!, baseURL: emu.url, maxRetries: 0 });
    await cf.workersForPlatforms.dispatch.namespaces.create({ account_id: ACCOUNT, name: "meta" });
  });
  afterAll(() => emu?.close());

  it("keeps the live files and puts the new code and config in effect", async () => {
    const page = asset("<h1>kept</h1>", "html", "text/html");
    const session = await cf.workersForPlatforms.dispatch.namespaces.scripts.assetUpload.create("kept", { account_id: ACCOUNT, dispatch_namespace: "meta", manifest: { "/index.html": { hash: page.hash, size: page.content.length } } });
    const uploaded = await cf.workers.assets.upload.create({ account_id: ACCOUNT, base64: true, body: { [page.hash]: page.content.toString("base64") } }, { headers: { Authorization: `Bearer ${session.jwt}` } });
    const first = scriptMetadata({ ...request, assets: { ...built, headers: undefined }, worker: undefined, assetConfig: undefined }, uploaded.jwt);
    await cf.workersForPlatforms.dispatch.namespaces.scripts.update("kept", { account_id: ACCOUNT, dispatch_namespace: "meta", ...sdkBody(first, []) }, { headers: { "Content-Type": null } });

    // The SDK typechecks the metadata object itself: keep_assets and assets.config are fields it knows.
    const metadata: NamespaceScriptUpdateParams.Metadata = expectConforms(metadataSchema, scriptMetadata(request, undefined), "metadata");
    const put = await cf.workersForPlatforms.dispatch.namespaces.scripts.update("kept", { account_id: ACCOUNT, dispatch_namespace: "meta", ...sdkBody(metadata, [WORKER]) }, { headers: { "Content-Type": null } });
    expect(expectConforms(putAnswerSchema, put, "namespaces.scripts.update (keep_assets)")).toMatchObject({ has_assets: true, has_modules: true });

    const origin = new URL(emu.url).origin;
    const home = await fetchSite(origin, { namespace: "meta", script: "kept" }, "/index.html");
    expect(home).toMatchObject({ status: 200, body: "<h1>kept</h1>" });
    expect(home.headers["x-kept"]).toBe("1");
    expect((await fetchSite(origin, { namespace: "meta", script: "kept" }, "/v")).body).toBe("v2");
  });
});

/**
 * The SDK's `scripts.update` needs its metadata as a JSON file part and `Content-Type: null` (cloudflare-typescript
 * #2799; the workaround sdk-contract.test.ts documents).
 */
function sdkBody(metadata: unknown, modules: string[]): { metadata: NamespaceScriptUpdateParams.Metadata } {
  const body: Record<string, unknown> = { metadata: new File([JSON.stringify(metadata)], "metadata.json", { type: "application/json" }) };
  for (const code of modules) body["index.js"] = new File([code], "index.js", { type: "application/javascript+module" });
  return body as { metadata: NamespaceScriptUpdateParams.Metadata };
}
