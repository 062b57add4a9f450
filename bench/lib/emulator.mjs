// The emulator as the deploy benchmarks use it: its own process (`wfp-assets emulator`), so its CPU time can be
// told apart from the client's, and so the bench process's event loop never slows it down.
import { spawn } from "node:child_process";
import path from "node:path";
import { EMULATOR_ACCOUNT as ACCOUNT, emulatorAdmin } from "./fixtures.mjs";
import { apiCounters } from "./api-calls.mjs";
import { processCpuSeconds, processCpuSplit } from "./processes.mjs";

export { ACCOUNT };
export const TOKEN = "bench-token-5d1c0f";

/**
 * Starts `node dist/cli.js emulator` on a free port with its data in `dataDir`. `warnings` collects every stderr
 * line (with --quiet the emulator logs only warnings, such as "WARN no route" for a call it lacks). `rateLimit` is
 * the emulator's `--rate-limit` spec ("on" = Cloudflare's 1,200 calls per 300 s per token and a 300 s block;
 * src/emulator/README.md "Rate limit"); default off.
 */
export async function startEmulatorProcess({ repoRoot, node, dataDir, maxFiles, rateLimit }) {
  // Cloudflare's own limits by default: 100,000 files per namespace script (src/emulator/model/file-limits.ts).
  const args = [path.join(repoRoot, "dist", "cli.js"), "emulator", "--port", "0", "--data", dataDir, "--token", TOKEN, "--quiet"];
  if (maxFiles !== undefined) args.push("--max-files", String(maxFiles));
  if (rateLimit !== undefined && rateLimit !== "off") args.push("--rate-limit", rateLimit);
  const child = spawn(node, args, { stdio: ["ignore", "pipe", "pipe"] });
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

  const admin = emulatorAdmin({ url, token: TOKEN, account: ACCOUNT });

  return {
    url,
    origin,
    pid: child.pid,
    token: TOKEN,
    account: ACCOUNT,
    warnings,
    /** CPU seconds the emulator has used so far (read before and after a run for its share). */
    cpuSeconds: () => processCpuSeconds(child.pid),
    /** { user, system } CPU seconds so far: system time is where a slow file system shows (bench/README.md). */
    cpuSplit: () => processCpuSplit(child.pid),
    /** GET /__emulator/stats as a whole: `accounts`, and `rateLimit` when the limit is on. */
    async allStats() {
      const response = await fetch(`${origin}/__emulator/stats`);
      return await response.json();
    },
    async stats() {
      return (await this.allStats()).accounts[ACCOUNT];
    },
    /** What the API has seen so far, for `apiCallsBetween` (./api-calls.mjs). */
    async apiCounters() {
      return apiCounters(await this.allStats(), ACCOUNT);
    },
    /** Files and bytes committed to a namespace's store so far. */
    async storeCounters(namespace) {
      const store = (await this.stats())?.stores?.[`namespace:${namespace}`];
      return { files: store?.filesUploaded ?? 0, bytes: store?.bytesUploaded ?? 0, requests: store?.uploadRequests ?? 0 };
    },
    createNamespace: admin.createNamespace,
    /** Deleting a namespace drops its asset store too: keeps the data directory small between rounds. */
    deleteNamespace: admin.deleteNamespace,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
