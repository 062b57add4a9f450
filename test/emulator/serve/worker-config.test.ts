import { describe, expect, it } from "vitest";
import type { ScriptRecord } from "../../../src/emulator/model/script-record.js";
import { DEFAULT_COMPATIBILITY_DATE, type ModuleBytes, buildWorkerConfig, moduleType, runWorkerFirstOption } from "../../../src/emulator/serve/worker-config.js";

function record(overrides: Partial<ScriptRecord> = {}): ScriptRecord {
  return {
    name: "s",
    etag: "e".repeat(64),
    versionKey: "v".repeat(64),
    createdOn: "2026-01-01T00:00:00.000Z",
    modifiedOn: "2026-01-01T00:00:00.000Z",
    deploymentId: "d",
    modules: [],
    assetCount: 1,
    manifestRef: "m".repeat(64),
    assetConfig: {},
    bindings: [],
    compatibilityFlags: [],
    tags: [],
    usageModel: "standard",
    settings: {},
    puts: 1,
    ...overrides,
  };
}
const socket = { host: "127.0.0.1", port: 0 };
const js = (name: string, content: string, contentType = "application/javascript+module"): ModuleBytes => ({ name, contentType, bytes: Buffer.from(content) });
const withCode = (overrides: Partial<ScriptRecord>, modules: ModuleBytes[]) =>
  buildWorkerConfig({ workerName: "w", record: record({ mainModule: modules[0]!.name, modules: modules.map((m) => ({ name: m.name, contentType: m.contentType, object: "o", size: 1 })), ...overrides }), modules, assetsDir: "/a", socket });

describe("buildWorkerConfig", () => {
  it("gives an assets-only Worker a stub script the router never calls", () => {
    const { options, warnings } = buildWorkerConfig({ workerName: "w", record: record({ assetConfig: { html_handling: "drop-trailing-slash", not_found_handling: "404-page" } }), modules: [], assetsDir: "/a", socket });
    expect(options.config).toMatchObject({
      name: "w",
      compatibilityDate: DEFAULT_COMPATIBILITY_DATE,
      env: {},
      assets: { directory: "/a", hasUserWorker: false, htmlHandling: "drop-trailing-slash", notFoundHandling: "404-page" },
      manifest: { mainModule: "assets-only-stub.mjs" },
    });
    expect((options.config as { assets: Record<string, unknown> }).assets).not.toHaveProperty("runWorkerFirst");
    expect(options.dev).toEqual({ unsafeDirectSockets: [socket] });
    expect(warnings).toEqual([]);
  });

  it("passes modules with their types, compatibility, and the bindings workerd can honour", () => {
    const { options, warnings } = withCode(
      {
        compatibilityDate: "2025-01-01",
        compatibilityFlags: ["nodejs_compat"],
        bindings: [
          { type: "assets", name: "STATIC" },
          { type: "plain_text", name: "A", text: "x" },
          { type: "secret_text", name: "B", text: "y" },
          { type: "json", name: "C", json: [1] },
          { type: "kv_namespace", name: "KV", namespace_id: "n" },
        ],
        assetConfig: { run_worker_first: ["/api/*", "!/api/public/*"] },
      },
      [js("index.js", "export default {}"), js("data.bin", "\u0001", "application/octet-stream"), js("t.txt", "hi", "text/plain; charset=utf-8"), js("m.wasm", "\u0000asm", "application/wasm"), js("x.weird", "?", "application/x-weird")],
    );
    const config = options.config as Record<string, any>;
    expect(config.compatibilityDate).toBe("2025-01-01");
    expect(config.compatibilityFlags).toEqual(["nodejs_compat"]);
    expect(config.env).toEqual({ STATIC: { type: "assets" }, A: { type: "text", value: "x" }, B: { type: "text", value: "y" }, C: { type: "json", value: [1] } });
    expect(config.assets).toEqual({ directory: "/a", hasUserWorker: true, runWorkerFirst: ["/api/*", "!/api/public/*"] });
    expect(config.manifest.mainModule).toBe("index.js");
    expect(Object.fromEntries(Object.entries(config.manifest.modules as Record<string, { type: string; contents: unknown }>).map(([k, v]) => [k, [v.type, typeof v.contents === "string" ? "string" : "bytes"]]))).toEqual({
      "index.js": ["esm", "string"],
      "data.bin": ["data", "bytes"],
      "t.txt": ["text", "string"],
      "m.wasm": ["wasm", "bytes"],
      "x.weird": ["data", "bytes"],
    });
    expect(warnings).toEqual([
      'binding "KV" of type "kv_namespace" is not emulated locally and is left out of env',
      'module "x.weird" has content type "application/x-weird", which has no module type; loaded as data',
    ]);
  });

  it("maps run_worker_first true, false and [] the way Miniflare's router expects", () => {
    const rwf = (value: unknown) => (withCode({ assetConfig: { run_worker_first: value } }, [js("i.js", "")]).options.config as Record<string, any>).assets.runWorkerFirst;
    expect(rwf(true)).toBe(true);
    expect(rwf(false)).toBeUndefined();
    expect(rwf([])).toBeUndefined();
    expect(runWorkerFirstOption(["/a"])).toEqual(["/a"]);
    expect(runWorkerFirstOption([1])).toBeUndefined();
  });

  it("runs service-worker syntax as a legacy script", () => {
    const modules = [js("worker.js", "addEventListener('fetch', () => {})", "application/javascript")];
    const { options } = buildWorkerConfig({
      workerName: "w",
      record: record({ bodyPart: "worker.js", modules: [{ name: "worker.js", contentType: "application/javascript", object: "o", size: 1 }], manifestRef: undefined }),
      modules,
      assetsDir: undefined,
      socket,
    });
    expect(options.legacy).toEqual({ serviceWorkerScript: "addEventListener('fetch', () => {})" });
    expect(options.config).not.toHaveProperty("assets");
    expect(options.config).not.toHaveProperty("manifest");
  });
});

describe("moduleType", () => {
  it("ignores parameters and case", () => {
    expect(moduleType("Application/JavaScript+Module; charset=utf-8")).toBe("esm");
    expect(moduleType("application/javascript")).toBe("cjs");
    // Not a module type Cloudflare accepts (the PUT refuses it), so it is not mapped either.
    expect(moduleType("application/json")).toBeUndefined();
    expect(moduleType("image/png")).toBeUndefined();
  });
});
