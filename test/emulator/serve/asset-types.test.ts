import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { miniflareAssetEtag } from "../../../src/emulator/serve/asset-types.js";
import { ACCOUNT, type Asset, type TestClient, asset, start } from "../helpers.js";
import { siteGet } from "../serve-helpers.js";

/**
 * Sites serve each file with the Content-Type it was uploaded with (as Cloudflare does), not Miniflare's guess
 * from the extension: a file uploaded without one (no header, or `application/null`) is served without one. This
 * also guards the Miniflare ETag formula serve/asset-types.ts relies on: if it changes, these fail.
 */

let emu: RunningEmulator;
let client: TestClient;
const NS = { namespace: "types" };

const files: Record<string, Asset> = {
  "/index.html": asset("<h1>home</h1>", "html", "text/html; charset=utf-8"),
  "/about.html": asset("<h1>about, stored as text</h1>", "html", "text/plain; charset=utf-8"),
  "/data.bin": asset("binary-ish", "bin", "application/x-emulator-test"),
  "/style.css": asset("body{}", "css", "application/null"),
  "/guess.js": asset("console.log(1)", "js", "text/css"),
};

beforeAll(async () => {
  ({ emu, client } = await start());
  await client.createNamespace("types");
  const jwt = await client.uploadAll(NS, "typed", files);
  const put = await client.putScript(NS, "typed", { assets: { jwt, config: { html_handling: "auto-trailing-slash" } } });
  expect(put.status).toBe(200);
  const withWorker = await client.uploadAll(NS, "typed-worker", { "/page.html": asset("<p>through the worker</p>", "html", "text/x-emulator-page") });
  await client.putScript(
    NS,
    "typed-worker",
    { main_module: "index.js", bindings: [{ type: "assets", name: "ASSETS" }], assets: { jwt: withWorker, config: { run_worker_first: true } } },
    [{ name: "index.js", content: "export default { fetch(request, env) { return env.ASSETS.fetch(request); } };" }],
  );
});
afterAll(() => emu.close());

describe("served Content-Type", () => {
  it("is the uploaded one, parameters included, whatever the extension says", async () => {
    expect((await siteGet(emu, "typed.types.localhost", "/")).headers["content-type"]).toBe("text/html; charset=utf-8");
    expect((await siteGet(emu, "typed.types.localhost", "/data.bin")).headers["content-type"]).toBe("application/x-emulator-test");
    expect((await siteGet(emu, "typed.types.localhost", "/guess.js")).headers["content-type"]).toBe("text/css");
  });

  it("follows the file, not the URL: /about resolves to about.html and carries about.html's type", async () => {
    const res = await siteGet(emu, "typed.types.localhost", "/about");
    expect(res.status).toBe(200);
    expect(res.body).toContain("stored as text");
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
  });

  it("is absent for a file uploaded without one (application/null)", async () => {
    const res = await siteGet(emu, "typed.types.localhost", "/style.css");
    expect(res.status).toBe(200);
    expect(res.body).toBe("body{}");
    expect(res.headers["content-type"]).toBeUndefined();
  });

  it("holds for assets a Worker returns from env.ASSETS.fetch", async () => {
    const res = await siteGet(emu, "typed-worker.types.localhost", "/page"); // html_handling: /page.html would redirect here
    expect(res.body).toContain("through the worker");
    expect(res.headers["content-type"]).toBe("text/x-emulator-page");
  });
});

describe("an assets-only redeploy (same etag, new modified_on)", () => {
  it("is served at once: the site server reloads on the version key, not the etag", async () => {
    expect((await siteGet(emu, "typed.types.localhost", "/")).body).toBe("<h1>home</h1>");
    const before = (await client.call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/types/scripts/typed`)).body.result.script;
    const jwt = await client.uploadAll(NS, "typed", { ...files, "/index.html": asset("<h1>home v2</h1>", "html", "text/html; charset=utf-8") });
    const put = await client.putScript(NS, "typed", { assets: { jwt, config: { html_handling: "auto-trailing-slash" } } });
    expect(put.body.result.etag).toBe(before.etag);
    expect(put.body.result.modified_on).not.toBe(before.modified_on);
    const after = await siteGet(emu, "typed.types.localhost", "/");
    expect(after.body).toBe("<h1>home v2</h1>");
    expect(after.headers["content-type"]).toBe("text/html; charset=utf-8");
  });
});

describe("miniflareAssetEtag", () => {
  it("is sha256(path + mtimeMs), first 16 bytes in hex", () => {
    expect(miniflareAssetEtag("/a/b.html", 1700000000123.5)).toMatch(/^[0-9a-f]{32}$/);
    expect(miniflareAssetEtag("/a/b.html", 1)).not.toBe(miniflareAssetEtag("/a/c.html", 1));
  });
});
