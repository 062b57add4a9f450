// The emulator as the deploy benchmarks use it: its own process (`wfp-assets emulator`), so its CPU time can be
// told apart from the client's, and so the bench process's event loop never slows it down.
import { spawn } from "node:child_process";
import path from "node:path";
import { processCpuSeconds } from "./processes.mjs";

export const ACCOUNT = "0123456789abcdef0123456789abcdef";
export const TOKEN = "bench-token-5d1c0f";

/**
 * Starts `node dist/cli.js emulator` on a free port with its data in `dataDir`. `warnings` collects every stderr
 * line (with --quiet the emulator logs only warnings, such as "WARN no route" for a call it lacks).
 */
export async function startEmulatorProcess({ repoRoot, node, dataDir, maxFiles = 100000 }) {
  const child = spawn(
    node,
    [path.join(repoRoot, "dist", "cli.js"), "emulator", "--port", "0", "--data", dataDir, "--token", TOKEN, "--max-files", String(maxFiles), "--quiet"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const warnings = [];
  child.stderr.setEncoding("utf8").on("data", (chunk) => {
    for (const line of chunk.split("\n")) if (line.trim() && !/shutting down$/.test(line)) warnings.push(line.trim());
  });
  const url = await new Promise((resolve, reject) => {
    let stdout = "";
    const onData = (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+\/client\/v4)/.exec(stdout);
      if (match) {
        child.stdout.off("data", onData);
        resolve(match[1]);
      }
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.once("exit", (code) => reject(new Error(`the emulator exited (${code}) before listening: ${warnings.join(" | ")}`)));
    child.once("error", reject);
  });
  child.stdout.resume();
  const origin = new URL(url).origin;

  async function api(method, route, body) {
    const init = { method, headers: { authorization: `Bearer ${TOKEN}` } };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["content-type"] = "application/json";
    }
    const response = await fetch(`${url}/accounts/${ACCOUNT}${route}`, init);
    const json = await response.json().catch(() => null);
    if (!response.ok) throw new Error(`emulator ${method} ${route}: HTTP ${response.status} ${JSON.stringify(json?.errors ?? json)}`);
    return json.result;
  }

  return {
    url,
    origin,
    pid: child.pid,
    token: TOKEN,
    account: ACCOUNT,
    warnings,
    /** CPU seconds the emulator has used so far (read before and after a run for its share). */
    cpuSeconds: () => processCpuSeconds(child.pid),
    async stats() {
      const response = await fetch(`${origin}/__emulator/stats`);
      return (await response.json()).accounts[ACCOUNT];
    },
    /** Files and bytes committed to a namespace's store so far. */
    async storeCounters(namespace) {
      const store = (await this.stats())?.stores?.[`namespace:${namespace}`];
      return { files: store?.filesUploaded ?? 0, bytes: store?.bytesUploaded ?? 0, requests: store?.uploadRequests ?? 0 };
    },
    createNamespace: (name) => api("POST", "/workers/dispatch/namespaces", { name }),
    /** Deleting a namespace drops its asset store too: keeps the data directory small between rounds. */
    deleteNamespace: (name) => api("DELETE", `/workers/dispatch/namespaces/${name}`),
    /** A one-module script with no assets, so the name exists in the namespace before a client deploys to it. */
    putPlaceholderScript(namespace, scriptName) {
      const form = new FormData();
      form.append("metadata", JSON.stringify({ main_module: "index.js", compatibility_date: "2025-06-01" }));
      form.append(
        "index.js",
        new Blob(["export default { fetch() { return new Response('placeholder'); } };"], { type: "application/javascript+module" }),
        "index.js",
      );
      return api("PUT", `/workers/dispatch/namespaces/${namespace}/scripts/${scriptName}`, form);
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
