import { describe, expect, it } from "vitest";
import { check, diff, manifestInputDigest, settingsDigest } from "../../src/provider/engine.js";
import { UNKNOWN, type ProviderOutputs } from "../../src/provider/inputs.js";

const HASH_A = "0de3dd5df907418e9730fd2bd747bd5e";
const HASH_B = "7574a8cd3094a050388ac9663af1c1d6";

function inputs(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accountId: "0123456789abcdef0123456789abcdef",
    namespace: "tenants",
    scriptName: "acme",
    directory: "sites/acme",
    manifest: { "/index.html": HASH_A, "/app.js": HASH_B },
    assetConfig: { notFoundHandling: "single-page-application" },
    providerVersion: "0.1.0",
    ...overrides,
  };
}

function outputsFor(news: Record<string, unknown>, extra: Partial<ProviderOutputs> = {}): ProviderOutputs {
  return {
    accountId: news.accountId as string,
    namespace: news.namespace as string,
    scriptName: news.scriptName as string,
    directory: news.directory as string,
    manifestDigest: manifestInputDigest(news.manifest as Record<string, string>),
    settingsDigest: settingsDigest(news),
    fileCount: 2,
    totalBytes: 10,
    uploadedFiles: 2,
    uploadedBytes: 10,
    scriptId: "acme",
    etag: "e1",
    deployedEtag: "e1",
    modifiedOn: "2026-11-22T00:00:00Z",
    hasAssets: true,
    providerVersion: news.providerVersion as string,
    ...extra,
  };
}

describe("check", () => {
  it("accepts valid inputs and returns them JSON-clean", () => {
    const result = check({ ...inputs(), hashSalt: undefined });
    expect(result.failures).toEqual([]);
    expect(result.inputs).not.toHaveProperty("hashSalt");
  });

  it("ignores the engine's __provider input", () => {
    const result = check({ ...inputs(), __provider: "exports.handler = ..." });
    expect(result.failures).toEqual([]);
    expect(result.inputs).not.toHaveProperty("__provider");
  });

  it("names the property of each failure", () => {
    const result = check(inputs({ accountId: "nope", scriptName: "Bad Name", assetConfig: { htmlHandling: "sometimes" } }));
    const properties = result.failures.map((f) => f.property).sort();
    expect(properties).toEqual(["accountId", "assetConfig.htmlHandling", "scriptName"]);
    expect(result.failures.find((f) => f.property === "accountId")?.reason).toMatch(/32 lowercase hex/);
  });

  it("refuses runWorkerFirst without a worker", () => {
    const result = check(inputs({ assetConfig: { runWorkerFirst: ["/api/*"] } }));
    expect(result.failures).toEqual([expect.objectContaining({ property: "assetConfig.runWorkerFirst" })]);
  });

  it("refuses a binding of type assets", () => {
    const worker = {
      mainModule: "index.js",
      modules: [{ name: "index.js", content: "export default {}", sha256: "a".repeat(64) }],
      bindings: [{ type: "assets", name: "ASSETS" }],
    };
    expect(check(inputs({ worker })).failures[0]?.property).toBe("worker.bindings.0");
  });

  it("lets unknown values through in preview", () => {
    const result = check(inputs({ namespace: UNKNOWN, manifest: UNKNOWN }));
    expect(result.failures).toEqual([]);
    expect(result.inputs?.namespace).toBe(UNKNOWN);
  });
});

describe("diff", () => {
  it("reports no change for identical inputs", () => {
    const news = inputs();
    expect(diff(outputsFor(news), news)).toMatchObject({ changes: false, replaces: [] });
  });

  it("ignores key order and the directory's location", () => {
    const news = inputs();
    const reordered = inputs({ manifest: { "/app.js": HASH_B, "/index.html": HASH_A }, directory: "elsewhere/acme" });
    expect(diff(outputsFor(news), reordered).changes).toBe(false);
  });

  it("updates when a file changes", () => {
    const news = inputs();
    const next = inputs({ manifest: { "/index.html": HASH_B, "/app.js": HASH_B } });
    expect(diff(outputsFor(news), next)).toMatchObject({ changes: true, replaces: [], reasons: ["files changed"] });
  });

  it("updates when the asset config changes", () => {
    const news = inputs();
    expect(diff(outputsFor(news), inputs({ assetConfig: { notFoundHandling: "404-page" } })).reasons).toEqual(["settings changed"]);
  });

  it.each(["accountId", "namespace", "scriptName"])("replaces, creating the new script before deleting the old, when %s changes", (key) => {
    const news = inputs();
    const value = key === "accountId" ? "fedcba9876543210fedcba9876543210" : "other";
    expect(diff(outputsFor(news), inputs({ [key]: value }))).toMatchObject({
      changes: true,
      replaces: [key],
      deleteBeforeReplace: false,
    });
  });

  it("replaces when the namespace becomes unknown", () => {
    const news = inputs();
    expect(diff(outputsFor(news), inputs({ namespace: UNKNOWN })).replaces).toEqual(["namespace"]);
  });

  it("updates when the provider version changes, so new code is saved", () => {
    const news = inputs();
    expect(diff(outputsFor(news), inputs({ providerVersion: "0.2.0" })).reasons).toEqual(["provider version changed"]);
  });

  it("sees drift recorded by refresh", () => {
    const news = inputs();
    expect(diff(outputsFor(news, { etag: "changed-elsewhere" }), news).changes).toBe(true);
    expect(diff(outputsFor(news, { hasAssets: false }), news).changes).toBe(true);
  });

  it("sees an assets-only redeploy out of band: same etag, newer modified_on", () => {
    const news = inputs();
    const deployed = outputsFor(news, { deployedModifiedOn: "2026-11-22T00:00:00Z" });
    expect(diff(deployed, news).changes).toBe(false);
    expect(diff({ ...deployed, modifiedOn: "2026-11-23T10:00:00Z" }, news)).toMatchObject({
      changes: true,
      reasons: ["redeployed out of band (modified_on differs)"],
    });
  });

  it("does not count adopt as a change, but keepBindings and the owner are", () => {
    const news = inputs({ owner: "proj/dev" });
    expect(diff(outputsFor(news), { ...news, adopt: true }).changes).toBe(false);
    expect(diff(outputsFor(news), { ...news, keepBindings: ["secret_text"] }).reasons).toEqual(["settings changed"]);
    expect(diff(outputsFor(news), { ...news, owner: "proj/renamed-stack" }).reasons).toEqual(["settings changed"]);
  });
});
