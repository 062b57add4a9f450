/**
 * `npm run demo` end to end: the real CLI deploys the example tenants into the emulator, which
 * serves them through workerd; asserted over HTTP like a browser would see them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchSite } from "../fixtures/emulator.mjs";
import { descendantPids } from "../fixtures/process-tree.mjs";
import { copyModules, installPackedPackage } from "../fixtures/installed-package.mjs";
import { PINNED_SDK, REPO_ROOT, pulumiBinDir } from "./pulumi-project.js";

let work: string;
/** A copy of the repository's demo project whose node_modules is an install of the packed package. */
let project: string;
let sites: string;

/** scripts/demo.mjs on the copy, with its state and sites in the test's folder. */
function demoArgs(extraArgs: string[]): string[] {
  return [join(REPO_ROOT, "scripts", "demo.mjs"), "--port", "0", "--dir", join(work, "state"), "--sites", sites, "--project", project, ...extraArgs];
}

interface DemoRun {
  child: ChildProcess;
  output: () => string;
  origin: string;
  exited: Promise<number | null>;
}

function startDemo(extraArgs: string[] = []): Promise<DemoRun> {
  const child = spawn(join(REPO_ROOT, "node_modules", ".bin", "node"), demoArgs(extraArgs), {
    cwd: REPO_ROOT,
    env: { ...process.env, CI: "", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const serving = output.match(/Serving on (http:\/\/127\.0\.0\.1:\d+)/);
      if (serving) {
        clearInterval(timer);
        resolve({ child, output: () => output, origin: serving[1]!, exited });
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(timer);
      if (!/Serving on/.test(output)) reject(new Error(`demo exited ${code} before serving:\n${output}`));
    });
  });
}

async function stopDemo(run: DemoRun): Promise<number | null> {
  run.child.kill("SIGINT");
  return run.exited;
}

function get(run: DemoRun, tenant: string, path: string) {
  return fetchSite(run.origin, { namespace: "tenants", script: tenant }, path);
}

/**
 * The workerd processes the demo started (its descendants while it runs). Only its own: other test files in the same
 * run start emulators, and so workerd processes, of their own at any time.
 */
async function workerdOf(pid: number): Promise<number[]> {
  const commands = await Promise.all(descendantPids(pid).map(async (child) => [child, await readFile(`/proc/${child}/cmdline`, "utf8").catch(() => "")] as const));
  return commands.filter(([, cmdline]) => cmdline.includes("workerd")).map(([child]) => child);
}

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`);

beforeAll(async () => {
  await pulumiBinDir();
  work = await mkdtemp(join(tmpdir(), "wfp-demo-e2e-"));
  // The same demo program as `npm run demo` (root Pulumi.yaml → examples/demo, sites in examples/tenant-sites), laid
  // out as in the repository, but resolving pulumi-wfp-assets from an install of the packed package instead of the
  // repository's link to itself.
  project = join(work, "project");
  const copy = (from: string) => cp(join(REPO_ROOT, from), join(project, from), { recursive: true, filter: (source) => !source.includes("node_modules") });
  await Promise.all([copy("Pulumi.yaml"), copy(join("examples", "demo")), copy(join("examples", "tenant-sites"))]);
  await copyModules(await installPackedPackage({ sdkVersion: PINNED_SDK, language: "ts" }), project);
  sites = join(project, "examples", "tenant-sites");
}, 45 * 60_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("npm run demo", { timeout: 300_000 }, () => {
  it("deploys the tenants and serves them as Cloudflare would", async () => {
    const run = await startDemo();
    let workerd: number[] = [];
    try {
      expect(run.output()).toMatch(/spa-shop +http:\/\/spa-shop\.tenants\.localhost:\d+\//);

      const spa = await get(run, "spa-shop", "/products/42");
      expect(spa.status).toBe(200);
      expect(spa.body).toContain("<title>Spa Shop</title>");

      const missing = await get(run, "docs-site", "/missing-page");
      expect(missing.status).toBe(404);
      expect(missing.body).toContain("Page not found");

      const home = await get(run, "docs-site", "/");
      expect(home.headers["x-tenant"]).toBe("docs-site");

      const moved = await get(run, "docs-site", "/old-guide");
      expect(moved.status).toBe(301);
      expect(moved.headers.location).toMatch(/\/guide\/$/);

      const slash = await get(run, "docs-site", "/guide");
      expect(slash.status).toBe(307);
      expect(slash.headers.location).toMatch(/\/guide\/$/);
      expect((await get(run, "docs-site", "/guide/install.html")).headers.location).toMatch(/\/guide\/install$/);

      const api = await get(run, "api-portal", "/api/hello");
      expect(api.status).toBe(200);
      expect(JSON.parse(api.body)).toMatchObject({ tenant: "api-portal", message: "hello from the worker" });
      const viaBinding = await get(run, "api-portal", "/api/page");
      expect(viaBinding.headers["x-served-by"]).toBe("worker");
      expect(viaBinding.body).toContain("API portal");
      const asset = await get(run, "api-portal", "/");
      expect(asset.headers["x-served-by"]).toBeUndefined();
      expect(asset.body).toContain("API portal");
      workerd = await workerdOf(run.child.pid!);
      expect(workerd.length, "the demo serves through workerd").toBeGreaterThan(0);
    } finally {
      expect(await stopDemo(run)).toBe(0);
    }
    // Stopping the demo stops its workerd too: none is left behind (a zombie counts as gone once reaped by init).
    await expect.poll(() => workerd.filter(alive), { timeout: 5_000 }).toEqual([]);
  });

  it("after editing one tenant's file, updates only that tenant and serves the change", async () => {
    const page = join(sites, "docs-site", "public", "index.html");
    await writeFile(page, (await readFile(page, "utf8")).replace("Product documentation", "Product documentation, edited"));
    const run = await startDemo();
    try {
      const output = run.output();
      const updated = new Set(
        [...output.matchAll(/~ pulumi-nodejs:dynamic\/wfp:UserWorkerAssets: \(update\)\s+\[id=[^\]]*\]\s+\[urn=[^\]]*::tenants-([\w-]+)\]/g)].map((m) => m[1]),
      );
      expect([...updated]).toEqual(["docs-site"]);
      expect(output).toMatch(/~ \/index\.html/);
      expect(output).toMatch(/~ 1 updated/);
      expect((await get(run, "docs-site", "/")).body).toContain("Product documentation, edited");
    } finally {
      expect(await stopDemo(run)).toBe(0);
    }
  });

  it("running it again is a no-op deploy (--once exits after printing)", async () => {
    const run = spawn(join(REPO_ROOT, "node_modules", ".bin", "node"), demoArgs(["--once"]), { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    run.stdout.setEncoding("utf8").on("data", (c: string) => (output += c));
    run.stderr.setEncoding("utf8").on("data", (c: string) => (output += c));
    const code = await new Promise<number | null>((resolve) => run.on("close", resolve));
    expect(code, output).toBe(0);
    expect(output).toMatch(/6 unchanged/); // stack, component, three tenants, the orphan watch
    expect(output).toMatch(/GET \/api\/hello +200/);
    // The runs above used their own --dir and --sites: nothing of theirs may leak into the project's own config.
    expect(existsSync(join(REPO_ROOT, "Pulumi.demo.yaml"))).toBe(false);
    const stackConfig = join(REPO_ROOT, ".demo", "Pulumi.demo.yaml");
    if (existsSync(stackConfig)) expect(await readFile(stackConfig, "utf8")).not.toContain(work);
  });
});
