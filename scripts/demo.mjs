// `npm run demo`: tenant sites declared as code (examples/tenant-sites, via the root Pulumi.yaml),
// deployed by the real `pulumi up` into a dispatch namespace of the local Cloudflare API emulator,
// then served by workerd on http://<tenant>.tenants.localhost:<port>/.
//
//   npm run demo                 deploy, print what each site answers, keep serving until Ctrl-C
//   npm run demo -- --once       deploy, print, exit (also when CI=true)
//   options: --port N (default 8787; 0 = any free port), --dir D (state, default .demo), --sites DIR,
//            --project P (the Pulumi project to deploy, default the repository's own Pulumi.yaml; the demo e2e
//            test passes a copy of it whose node_modules holds the packed package, as a user's would)
//
// State (emulator data, Pulumi file backend) lives in .demo/ (git-ignored), so running the demo
// again is a no-op deploy. Nothing here needs a Cloudflare account.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createRequire } from "node:module";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const ACCOUNT = "0123456789abcdef0123456789abcdef"; // the demo program's default (examples/demo/index.ts)
const NAMESPACE = "tenants";
const STACK = "demo";
/** A documented, non-secret passphrase: the demo stack holds no secrets (credentials come from env). */
const PASSPHRASE = "wfp-demo-local-passphrase";

/** A few requests per example tenant that show what the asset config does. */
const PROBES = {
  "spa-shop": ["/", "/products/42", "/assets/app.css"],
  "docs-site": ["/", "/guide/", "/guide", "/old-guide", "/missing-page"],
  "api-portal": ["/", "/api/hello", "/api/page", "/nope"],
};

class DemoError extends Error {}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      once: { type: "boolean", default: false },
      port: { type: "string", default: "8787" },
      dir: { type: "string", default: path.join(repoRoot, ".demo") },
      sites: { type: "string" },
      project: { type: "string", default: repoRoot },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log("usage: npm run demo [-- --once] [--port N] [--dir D] [--sites DIR] [--project P]");
    process.exit(0);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DemoError(`--port "${values.port}" is not a port number (0–65535).`);
  if (!existsSync(path.join(values.project, "Pulumi.yaml"))) throw new DemoError(`--project "${values.project}" has no Pulumi.yaml: pass a Pulumi project folder.`);
  return {
    once: values.once || process.env.CI === "true",
    port,
    dir: path.resolve(values.dir),
    sites: values.sites ? path.resolve(values.sites) : undefined,
    project: path.resolve(values.project),
  };
}

function loadLibrary() {
  try {
    return { emulator: require(path.join(repoRoot, "dist/emulator/index.js")), undici: require("undici") };
  } catch (error) {
    throw new DemoError(`Cannot load the compiled library (${error.message}). Run \`npm run build\` (npm run demo does it first).`);
  }
}

async function startEmulatorOn(startEmulator, options, logFile) {
  const { appendFileSync } = await import("node:fs");
  const log = (line) => appendFileSync(logFile, `${line}\n`);
  try {
    return await startEmulator({ port: options.port, dataDir: path.join(options.dir, "emulator"), log });
  } catch (error) {
    if (error?.code !== "EADDRINUSE" || options.port === 0) throw error;
    console.log(`port ${options.port} is busy; using a free port instead (pass --port to choose one)`);
    return startEmulator({ port: 0, dataDir: path.join(options.dir, "emulator"), log });
  }
}

async function api(undici, emulator, token, method, route, body) {
  const res = await undici.request(`${emulator.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.statusCode, body: await res.body.json().catch(() => null) };
}

async function ensureNamespace(undici, emulator, token) {
  const existing = await api(undici, emulator, token, "GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/${NAMESPACE}`);
  if (existing.status === 200) return;
  const created = await api(undici, emulator, token, "POST", `/accounts/${ACCOUNT}/workers/dispatch/namespaces`, { name: NAMESPACE });
  if (created.status >= 300) throw new DemoError(`Creating dispatch namespace "${NAMESPACE}" failed: HTTP ${created.status} ${JSON.stringify(created.body)}`);
}

function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", options.capture ? "pipe" : "inherit", "inherit"], ...options });
    let stdout = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    // Ctrl-C reaches the child from the terminal itself (same process group): let pulumi cancel
    // gracefully and stop once it has exited, instead of killing the emulator under it.
    let interrupted = false;
    const onInterrupt = () => (interrupted = true);
    const onTerminate = () => child.kill("SIGTERM");
    process.on("SIGINT", onInterrupt).on("SIGTERM", onTerminate);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      process.off("SIGINT", onInterrupt).off("SIGTERM", onTerminate);
      resolve({ code: interrupted ? 130 : (code ?? (signal ? 128 : 1)), stdout });
    });
  });
}

async function pulumiEnv(options, emulator, token) {
  const node = path.join(repoRoot, "node_modules", ".bin", "node");
  const ensured = await run(node, [path.join(repoRoot, "scripts", "pulumi.mjs"), "--print-bin-dir"], { capture: true });
  const binDir = ensured.stdout.trim().split("\n").at(-1);
  if (ensured.code !== 0 || !binDir) throw new DemoError("Could not get a Pulumi CLI (scripts/pulumi.mjs failed; see above).");
  mkdirSync(path.join(options.dir, "pulumi"), { recursive: true });
  return {
    binDir,
    project: options.project,
    env: {
      ...process.env,
      PATH: [binDir, path.join(repoRoot, "node_modules", ".bin"), process.env.PATH ?? ""].join(path.delimiter),
      PULUMI_BACKEND_URL: `file://${path.join(options.dir, "pulumi")}`,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_HOME: path.join(options.dir, "pulumi-home"),
      CLOUDFLARE_API_BASE_URL: emulator.url,
      CLOUDFLARE_API_TOKEN: token,
      // Read by examples/demo/index.ts; not stack config, so a run with --sites leaves no trace.
      ...(options.sites ? { WFP_DEMO_SITES: options.sites } : {}),
    },
  };
}

async function pulumi({ binDir, env, project }, args) {
  const result = await run(path.join(binDir, "pulumi"), args, { cwd: project, env });
  if (result.code !== 0) throw new DemoError(`\`pulumi ${args.join(" ")}\` failed (exit ${result.code}); its output is above.`);
}

/** What a browser would get, without following redirects; *.localhost is reached via 127.0.0.1 + Host. */
async function probe(undici, emulator, host, pathname) {
  const res = await undici.request(`${emulator.origin}${pathname}`, { headers: { host, accept: "text/html,*/*" } });
  const text = await res.body.text();
  const type = String(res.headers["content-type"] ?? "").split(";")[0];
  const title = text.match(/<title>([^<]*)<\/title>/i)?.[1] ?? text.match(/<h1>([^<]*)<\/h1>/i)?.[1];
  const summary = res.headers.location ? `→ ${res.headers.location}` : title ? `"${title}"` : type === "application/json" ? text.slice(0, 80) : `${text.length} bytes`;
  return `${String(res.statusCode).padEnd(4)}${type.padEnd(17)}${summary}`;
}

async function printSites(undici, emulator) {
  const listing = await undici.request(`${emulator.origin}/__sites`);
  const sites = (await listing.body.json()).filter?.((s) => s.namespace === NAMESPACE) ?? [];
  if (sites.length === 0) throw new DemoError("The emulator serves no site after the deploy; see the pulumi output above.");
  console.log(`\nTenant sites in dispatch namespace "${NAMESPACE}":`);
  for (const site of sites) {
    const host = new URL(site.url).host;
    console.log(`\n  ${site.script}  ${site.url}   (fallback: ${site.fallbackUrl ?? site.fallback})`);
    for (const pathname of PROBES[site.script] ?? ["/"]) {
      console.log(`    GET ${pathname.padEnd(16)}${await probe(undici, emulator, host, pathname)}`);
    }
  }
}

async function main() {
  const options = parseOptions();
  mkdirSync(options.dir, { recursive: true });
  const { emulator: lib, undici } = loadLibrary();
  const logFile = path.join(options.dir, "emulator.log");
  const emulator = await startEmulatorOn(lib.startEmulator, options, logFile);
  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    await emulator.close().catch(() => {});
    process.exit(code);
  };
  try {
    const token = emulator.tokens[0];
    console.log(`emulator: ${emulator.url} (data ${path.relative(repoRoot, options.dir) || "."}/emulator, log ${path.relative(repoRoot, logFile)})`);
    await ensureNamespace(undici, emulator, token);
    const cli = await pulumiEnv(options, emulator, token);
    await pulumi(cli, ["stack", "select", "--create", STACK, "--non-interactive"]);
    await pulumi(cli, ["up", "--yes", "--diff", "--stack", STACK, "--non-interactive"]);
    await printSites(undici, emulator);
  } catch (error) {
    console.error(`\ndemo failed: ${error instanceof DemoError ? error.message : error?.stack ?? error}`);
    return stop(1);
  }
  if (options.once) return stop(0);
  console.log(`\nServing on ${emulator.origin} — open the URLs above (any browser resolves *.localhost). Ctrl-C to stop.`);
  process.on("SIGINT", () => stop(0)).on("SIGTERM", () => stop(0));
}

main().catch((error) => {
  console.error(`demo failed: ${error?.message ?? error}`);
  process.exit(1);
});
