/**
 * `wfp-assets contract` as a user who installed the package runs it: the packed tarball's bin, in account mode
 * (CLOUDFLARE_API_TOKEN + CLOUDFLARE_ACCOUNT_ID + CLOUDFLARE_API_BASE_URL) against an emulator standing in for
 * Cloudflare; and without the emulator's optional peers, `--emulator` names what to install.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { type InstalledPackage, installPackedPackage } from "../fixtures/installed-package.mjs";
import { NODE, PINNED_SDK } from "../fixtures/repo.mjs";

const ACCOUNT = "00112233445566778899aabbccddeeff";
const TOKEN = "package-contract-token-3c07";

let installed: InstalledPackage;
let emulator: RunningEmulator;

function contract(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CLOUDFLARE_") && !k.startsWith("CF_")));
  const bin = path.join(installed.nodeModules, "pulumi-wfp-assets", "dist", "cli.js");
  return new Promise((done) => {
    execFile(NODE, [bin, "contract", ...args], { cwd: installed.dir, env: { ...base, ...env } }, (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

beforeAll(async () => {
  installed = await installPackedPackage({ sdkVersion: PINNED_SDK, language: "js" });
  emulator = await startEmulator({ tokens: [TOKEN], rateLimit: true });
}, 10 * 60_000);
afterAll(() => emulator?.close());

describe("the installed package's `wfp-assets contract`", () => {
  it("checks an account named by the environment, and leaves nothing in it", async () => {
    const run = await contract([], { CLOUDFLARE_API_TOKEN: TOKEN, CLOUDFLARE_ACCOUNT_ID: ACCOUNT, CLOUDFLARE_API_BASE_URL: emulator.url });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/ 0 failed, 0 skipped; \d+ of at most 60 API calls\./);
    expect(Object.keys((await emulator.stats()).accounts[ACCOUNT]!.namespaces)).toEqual([]);
  });

  it("`--emulator` without the emulator's optional peers names the install command", async () => {
    const run = await contract(["--emulator"], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^wfp-assets contract: .*not installed here\. Run: npm install --save-dev .*(busboy|jose)/m);
    expect(run.stderr).toMatch(/To check your Cloudflare account instead, set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID\./);
  });
});
