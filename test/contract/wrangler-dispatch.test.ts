/**
 * Cloudflare's own client against the emulator: the pinned wrangler deploys brand-new scripts into a dispatch
 * namespace (`wrangler deploy --dispatch-namespace`), assets-only and with a module + ASSETS binding; the emulator
 * then serves them; and `wfp-assets deploy` of the same folder uploads nothing, because both clients hash alike
 * and the namespace already stores every file (hash interop,
 * docs/cloudflare-api.md §2 and §4).
 *
 * Before the emulator answered 10092 on the namespace script GET, wrangler aborted the first deploy of a new name
 * (docs/cloudflare-api.md §15.3). Needs dist/ (`npm run build`) for the wfp-assets CLI.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { ACCOUNT, type TestClient, start, tempDir } from "../emulator/helpers.js";
import { siteGet } from "../emulator/serve-helpers.js";
import { REPO_ROOT, type WranglerEnv, runWrangler, writeWranglerProject } from "./wrangler.js";

const NS = "wrangler-ns";
const CLI = path.join(REPO_ROOT, "dist", "cli.js");

let emu: RunningEmulator;
let client: TestClient;
let work: { dir: string; cleanup(): Promise<void> };
let env: WranglerEnv;
let assetsDir: string;

const FILES: Record<string, string> = {
  "index.html": "<!doctype html><h1>deployed by wrangler</h1>",
  "about.html": "<h1>about</h1>",
  "css/site.css": "body { color: rebeccapurple; }",
  "notes.greg": "an extension nobody knows",
};

beforeAll(async () => {
  ({ emu, client } = await start());
  expect((await client.createNamespace(NS)).status).toBe(200);
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

async function namespaceScript(name: string) {
  return (await emu.stats()).accounts[ACCOUNT]?.namespaces[NS]?.scripts[name];
}

describe("wrangler deploy --dispatch-namespace", () => {
  it("deploys an assets-only Worker, which the emulator then serves with the content types wrangler sent", async () => {
    const project = path.join(work.dir, "assets-only");
    await writeWranglerProject(project, { name: "wr-static", assetsDirectory: assetsDir });
    const run = await runWrangler(["deploy", "--dispatch-namespace", NS], project, env);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`Dispatch Namespace: ${NS}`);

    const deployed = await namespaceScript("wr-static");
    expect(deployed).toMatchObject({ hasAssets: true, hasModules: false, puts: 1 });
    expect(Object.keys(deployed!.manifest).sort()).toEqual(["/about.html", "/css/site.css", "/index.html", "/notes.greg"]);

    const home = await siteGet(emu, `wr-static.${NS}.localhost`, "/");
    expect(home.status).toBe(200);
    expect(home.body).toBe(FILES["index.html"]);
    expect(home.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect((await siteGet(emu, `wr-static.${NS}.localhost`, "/css/site.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
    // wrangler sends application/null for an unknown extension: served without a Content-Type (docs/cloudflare-api.md §3).
    const unknown = await siteGet(emu, `wr-static.${NS}.localhost`, "/notes.greg");
    expect(unknown.body).toBe(FILES["notes.greg"]);
    expect(unknown.headers["content-type"]).toBeUndefined();
  }, 180_000);

  it("deploys a module Worker with an ASSETS binding, which the emulator then runs", async () => {
    const project = path.join(work.dir, "with-module");
    const code = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/api/hello") return Response.json({ from: "worker" });
    return env.ASSETS.fetch(request);
  },
};
`;
    await writeWranglerProject(project, { name: "wr-app", assetsDirectory: assetsDir, main: { file: "src/index.js", code, assetsBinding: "ASSETS" } });
    const run = await runWrangler(["deploy", "--dispatch-namespace", NS], project, env);
    expect(run.code, run.output).toBe(0);

    const deployed = await namespaceScript("wr-app");
    expect(deployed).toMatchObject({ hasAssets: true, hasModules: true, mainModule: "index.js", bindings: [{ name: "ASSETS", type: "assets" }] });
    const api = await siteGet(emu, `wr-app.${NS}.localhost`, "/api/hello");
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body)).toEqual({ from: "worker" });
    const about = await siteGet(emu, `wr-app.${NS}.localhost`, "/about");
    expect(about.body).toBe(FILES["about.html"]);
  }, 180_000);

  it("lets wfp-assets deploy the same folder without uploading a single file (same hashes as wrangler)", async () => {
    expect(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`).toBe(true);
    const before = (await emu.stats()).accounts[ACCOUNT]!.stores[`namespace:${NS}`]!;
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, "deploy", assetsDir, "--account", ACCOUNT, "--namespace", NS, "--script", "wr-static", "--json"], {
      env: { PATH: process.env.PATH ?? "", HOME: env.home, CLOUDFLARE_API_BASE_URL: emu.url, CLOUDFLARE_API_TOKEN: env.token },
      timeout: 120_000,
    });
    const result = JSON.parse(stdout) as { fileCount: number; uploadedFiles: number; cachedFiles: number };
    expect(result).toMatchObject({ fileCount: 4, uploadedFiles: 0, cachedFiles: 4 });
    const after = (await emu.stats()).accounts[ACCOUNT]!.stores[`namespace:${NS}`]!;
    expect(after.filesUploaded).toBe(before.filesUploaded);
    expect((await namespaceScript("wr-static"))?.puts).toBe(2);
    expect((await siteGet(emu, `wr-static.${NS}.localhost`, "/")).body).toBe(FILES["index.html"]);
  }, 180_000);

  it("redeploys the existing script with wrangler (the namespace GET now answers 200), uploading nothing", async () => {
    const run = await runWrangler(["deploy", "--dispatch-namespace", NS], path.join(work.dir, "assets-only"), env);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain("No updated asset files to upload");
    expect((await namespaceScript("wr-static"))?.puts).toBe(3);
  }, 180_000);
});
