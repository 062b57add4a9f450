/**
 * Cloudflare's own client against the emulator, account side: the pinned wrangler (`wrangler deploy`, no
 * namespace) deploys a brand-new account Worker — assets-only, then with a module and an ASSETS binding — and
 * redeploys it; the emulator then serves each version at `<script>.localhost`. The namespace deploy of the same
 * wrangler is in wrangler-dispatch.test.ts.
 *
 * Wrangler 4.16x reads the Worker through Cloudflare's newer Workers API (`GET /accounts/{a}/workers/workers/{name}`,
 * for its workers.dev `subdomain` settings) after the upload; before the emulator routed it, the deploy uploaded and
 * then failed with "No route for that URI [code: 7000]".
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { ACCOUNT, start, tempDir } from "../emulator/helpers.js";
import { siteGet } from "../emulator/serve-helpers.js";
import { type WranglerEnv, runWrangler, writeWranglerProject } from "./wrangler.js";

let emu: RunningEmulator;
let work: { dir: string; cleanup(): Promise<void> };
let env: WranglerEnv;
let assetsDir: string;

const FILES: Record<string, string> = {
  "index.html": "<!doctype html><h1>account worker by wrangler</h1>",
  "about.html": "<h1>about the account worker</h1>",
  "css/site.css": "body { color: teal; }",
};

beforeAll(async () => {
  ({ emu } = await start());
  work = await tempDir();
  assetsDir = path.join(work.dir, "public");
  for (const [rel, content] of Object.entries(FILES)) {
    await mkdir(path.dirname(path.join(assetsDir, rel)), { recursive: true });
    await writeFile(path.join(assetsDir, rel), content);
  }
  env = { apiUrl: emu.url, token: emu.tokens[0]!, account: ACCOUNT, home: path.join(work.dir, "home") };
});
afterAll(async () => {
  await emu?.close();
  await work?.cleanup();
});

async function accountScript(name: string) {
  return (await emu.stats()).accounts[ACCOUNT]?.scripts[name];
}

describe("wrangler deploy (account Worker)", () => {
  it("deploys a new assets-only account Worker to completion, which the emulator then serves", async () => {
    const project = path.join(work.dir, "assets-only");
    await writeWranglerProject(project, { name: "wr-account", assetsDirectory: assetsDir });
    const run = await runWrangler(["deploy"], project, env);
    expect(run.code, run.output).toBe(0);
    expect(run.output).not.toContain("No route for that URI");
    expect(run.output).toContain("Current Version ID");

    const deployed = await accountScript("wr-account");
    expect(deployed).toMatchObject({ hasAssets: true, hasModules: false });
    expect(Object.keys(deployed!.manifest).sort()).toEqual(["/about.html", "/css/site.css", "/index.html"]);
    const home = await siteGet(emu, "wr-account.localhost", "/");
    expect(home.status).toBe(200);
    expect(home.body).toBe(FILES["index.html"]);
    expect(home.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect((await siteGet(emu, "wr-account.localhost", "/about")).body).toBe(FILES["about.html"]);
    const counts = (await emu.stats()).accounts[ACCOUNT]!.requests;
    expect(counts["GET unknown"] ?? 0, JSON.stringify(counts)).toBe(0);
    expect(counts["GET worker"], JSON.stringify(counts)).toBeGreaterThan(0);
    expect(run.output).toContain("wr-account.emulator.workers.dev");
  }, 180_000);

  it("redeploys it with a module and an ASSETS binding, uploading no file again; the emulator runs the module", async () => {
    const project = path.join(work.dir, "with-module");
    const code = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/api/where") return Response.json({ from: "account worker" });
    return env.ASSETS.fetch(request);
  },
};
`;
    await writeWranglerProject(project, { name: "wr-account", assetsDirectory: assetsDir, main: { file: "src/index.js", code, assetsBinding: "ASSETS" } });
    const before = (await emu.stats()).accounts[ACCOUNT]!.stores.account!.filesUploaded;
    const run = await runWrangler(["deploy"], project, env);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain("No updated asset files to upload");

    expect((await emu.stats()).accounts[ACCOUNT]!.stores.account!.filesUploaded).toBe(before);
    expect(await accountScript("wr-account")).toMatchObject({ hasAssets: true, hasModules: true, mainModule: "index.js", bindings: [{ name: "ASSETS", type: "assets" }] });
    const api = await siteGet(emu, "wr-account.localhost", "/api/where");
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body)).toEqual({ from: "account worker" });
    expect((await siteGet(emu, "wr-account.localhost", "/css/site.css")).body).toBe(FILES["css/site.css"]);
  }, 180_000);
});
