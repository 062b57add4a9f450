import { describe, expect, it } from "vitest";
import type { BuiltManifest } from "../../src/manifest/index.js";
import { assetConfigMetadata, scriptMetadata, validateDeployRequest } from "../../src/deploy/index.js";
import { moduleContentType, modulePartContent } from "../../src/deploy/script-form.js";

const assets: BuiltManifest = {
  directory: "/site",
  manifest: {},
  files: [],
  ignored: [],
  fileCount: 0,
  totalBytes: 0,
  headers: "/*\n  X-From-File: 1\n",
  redirects: "/old /new 301\n",
};
const target = { accountId: "0123456789abcdef0123456789abcdef", namespace: "ns", scriptName: "s" };

describe("script metadata", () => {
  it("is exactly assets + compatibility for an assets-only worker", () => {
    expect(scriptMetadata({ target, assets, compatibilityDate: "2025-06-01", assetConfig: { htmlHandling: "none" } }, "JWT")).toEqual({
      assets: {
        jwt: "JWT",
        config: { html_handling: "none", _headers: assets.headers, _redirects: assets.redirects },
      },
      compatibility_date: "2025-06-01",
      tags: [],
    });
  });

  it("always sends the tag list, so emptying it clears the script's tags", () => {
    expect(scriptMetadata({ target, assets, tags: [] }, "JWT").tags).toEqual([]);
    expect(scriptMetadata({ target, assets, tags: ["a", "wfp-owner=p/s"] }, "JWT").tags).toEqual(["a", "wfp-owner=p/s"]);
  });

  it("sends keep_bindings only when asked", () => {
    expect(scriptMetadata({ target, assets }, "JWT")).not.toHaveProperty("keep_bindings");
    expect(scriptMetadata({ target, assets, keepBindings: ["secret_text"] }, "JWT").keep_bindings).toEqual(["secret_text"]);
  });

  it("adds main module, bindings and the assets binding for a worker", () => {
    const metadata = scriptMetadata(
      {
        target,
        assets,
        worker: {
          mainModule: "index.js",
          modules: [{ name: "index.js", content: "export default {}" }],
          compatibilityDate: "2025-06-01",
          compatibilityFlags: ["nodejs_compat"],
          bindings: [{ type: "plain_text", name: "TENANT", text: "acme" }],
          assetsBinding: "ASSETS",
        },
        assetConfig: { runWorkerFirst: ["/api/*"], notFoundHandling: "404-page" },
        tags: ["tenant:acme"],
      },
      "JWT",
    );
    expect(metadata).toEqual({
      main_module: "index.js",
      compatibility_date: "2025-06-01",
      compatibility_flags: ["nodejs_compat"],
      bindings: [
        { type: "plain_text", name: "TENANT", text: "acme" },
        { type: "assets", name: "ASSETS" },
      ],
      tags: ["tenant:acme"],
      assets: {
        jwt: "JWT",
        config: { run_worker_first: ["/api/*"], not_found_handling: "404-page", _headers: assets.headers, _redirects: assets.redirects },
      },
    });
  });

  it("lets explicit headers and redirects override the files", () => {
    expect(assetConfigMetadata({ headers: "H", redirects: "R" }, assets)).toEqual({ _headers: "H", _redirects: "R" });
    expect(assetConfigMetadata(undefined, { ...assets, headers: undefined, redirects: undefined })).toEqual({});
  });

  it("types modules by extension", () => {
    expect(moduleContentType({ name: "index.js", content: "" })).toBe("application/javascript+module");
    expect(moduleContentType({ name: "legacy.cjs", content: "" })).toBe("application/javascript");
    expect(moduleContentType({ name: "a.wasm", content: "" })).toBe("application/wasm");
    expect(moduleContentType({ name: "x.unknown", content: "" })).toBe("application/octet-stream");
    expect(moduleContentType({ name: "x.js", content: "", contentType: "text/plain" })).toBe("text/plain");
  });

  it("sends a .json module as an ES module exporting the JSON (Cloudflare takes no application/json part)", () => {
    const module = { name: "data/config.json", content: '{ "plan": "pro", "limits": [1, 2] }' };
    expect(moduleContentType(module)).toBe("application/javascript+module");
    expect(modulePartContent(module)).toBe('export default {"plan":"pro","limits":[1,2]};\n');
    expect(modulePartContent({ name: "a.js", content: "x" })).toBe("x");
  });

  it("refuses invalid JSON and an application/json content type before anything is sent", () => {
    const target = { accountId: "0123456789abcdef0123456789abcdef", scriptName: "s" };
    const worker = (modules: Array<{ name: string; content: string; contentType?: string }>) => ({ mainModule: "index.js", modules: [{ name: "index.js", content: "" }, ...modules] });
    expect(() => validateDeployRequest({ target, worker: worker([{ name: "bad.json", content: "{nope" }]) })).toThrow(/"bad.json" is not valid JSON/);
    expect(() => validateDeployRequest({ target, worker: worker([{ name: "d.json", content: "{}", contentType: "application/json" }]) })).toThrow(
      /module content type "application\/json" is not one Cloudflare accepts/,
    );
  });
});
