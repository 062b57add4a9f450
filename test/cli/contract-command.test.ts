/** `wfp-assets contract`, run as the compiled CLI: against its own emulator, and in account mode against one. */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";

const REPO = resolve(__dirname, "..", "..");
const ACCOUNT = "fedcba9876543210fedcba9876543210";
const TOKEN = "cli-contract-token-81d3";

let work: string;
let emulator: RunningEmulator;

/** The CLI with the caller's environment minus any Cloudflare variables, plus `env`. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CLOUDFLARE_") && !k.startsWith("CF_")));
  return new Promise((done) => {
    execFile(join(REPO, "node_modules", ".bin", "node"), [join(REPO, "dist", "cli.js"), "contract", ...args], { env: { ...base, ...env } }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  if (!existsSync(join(REPO, "dist", "cli.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does it first).");
  work = await mkdtemp(join(tmpdir(), "wfp-cli-contract-"));
  emulator = await startEmulator({ tokens: [TOKEN], rateLimit: true });
});
afterAll(async () => {
  await emulator?.close();
  await rm(work, { recursive: true, force: true });
});

describe("wfp-assets contract", () => {
  it("without credentials starts its own emulator, prints one line per check and records the exchanges", async () => {
    const dir = join(work, "emulator-run");
    const run = await cli(["--record", dir]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Checking a freshly started local emulator \(http:\/\/127\.0\.0\.1:\d+\/client\/v4\)/);
    expect(run.stdout).toMatch(/^ok {3}namespace create: /m);
    expect(run.stdout).toMatch(/^ok {3}namespace delete: .*\(cleanup\)/m);
    const summary = /(\d+) passed, 0 failed, 0 skipped; (\d+) of at most 60 API calls\./.exec(run.stdout);
    expect(summary).not.toBeNull();
    expect((await readdir(dir)).filter((f) => f !== "summary.json")).toHaveLength(Number(summary![2]));
  });

  it("with CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID checks that account, and leaves nothing behind", async () => {
    const run = await cli([], { CLOUDFLARE_API_TOKEN: TOKEN, CLOUDFLARE_ACCOUNT_ID: ACCOUNT, CLOUDFLARE_API_BASE_URL: emulator.url });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`Checking the Cloudflare API at ${emulator.url} (account fedcba…) in a scratch dispatch namespace, at most 60 API calls.`);
    const account = (await emulator.stats()).accounts[ACCOUNT]!;
    expect(Object.keys(account.namespaces)).toEqual([]);
    const calls = Object.values(account.requests).reduce((a, b) => a + b, 0);
    expect(calls).toBeLessThanOrEqual(60);
    expect(run.stdout).toContain(`; ${calls} of at most 60 API calls.`);
  });

  it("fails on a failed check with exit 1 and says where the difference lies", async () => {
    emulator.setFaults("GET namespace-script-settings=503");
    try {
      const run = await cli([], { CLOUDFLARE_API_TOKEN: TOKEN, CLOUDFLARE_ACCOUNT_ID: ACCOUNT, CLOUDFLARE_API_BASE_URL: emulator.url });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^FAIL GET settings: .*\n {7}- GET settings: HTTP 503, expected 2xx/m);
      expect(run.stdout).toMatch(/please open an issue with this output and the recording/);
      // The output is redacted like a recording: it can be pasted into an issue as it is.
      expect(run.stdout).not.toContain(ACCOUNT);
      expect(run.stdout).not.toContain(TOKEN);
    } finally {
      emulator.setFaults(undefined);
    }
  });

  it("on Ctrl-C finishes the check in progress, skips the rest, deletes the namespace and exits 130", async () => {
    // The keep_assets PUT takes a while, so the interrupt lands in the middle of a check.
    emulator.setFaults("PUT namespace-script=latency:800+1");
    try {
      const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CLOUDFLARE_") && !k.startsWith("CF_")));
      const child = spawn(join(REPO, "node_modules", ".bin", "node"), [join(REPO, "dist", "cli.js"), "contract"], {
        env: { ...base, CLOUDFLARE_API_TOKEN: TOKEN, CLOUDFLARE_ACCOUNT_ID: ACCOUNT, CLOUDFLARE_API_BASE_URL: emulator.url },
      });
      let stdout = "";
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        if (/^ok {3}second session/m.test(stdout) && !child.killed) child.kill("SIGINT");
      });
      const code = await new Promise<number | null>((done) => child.on("exit", (c) => done(c)));
      expect(code, stdout + stderr).toBe(130);
      expect(stderr).toMatch(/interrupted: finishing the current check, then deleting the scratch namespace/);
      expect(stdout).toMatch(/^skip listing with \?tags=.*\n {7}interrupted$/m);
      expect(stdout).toMatch(/^ok {3}namespace delete: /m);
      expect(Object.keys((await emulator.stats()).accounts[ACCOUNT]!.namespaces)).toEqual([]);
    } finally {
      emulator.setFaults(undefined);
    }
  });

  it("refuses half a set of credentials or a bad account id with exit 2", async () => {
    const half = await cli([], { CLOUDFLARE_API_TOKEN: TOKEN });
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/Only CLOUDFLARE_API_TOKEN is set: set both CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID/);
    const bad = await cli([], { CLOUDFLARE_API_TOKEN: TOKEN, CLOUDFLARE_ACCOUNT_ID: "acme" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/CLOUDFLARE_ACCOUNT_ID: /);
  });
});
