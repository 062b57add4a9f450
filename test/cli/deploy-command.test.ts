/** `wfp-assets deploy`, run as the compiled CLI against the emulator. */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CloudflareClient, routes } from "../../src/cloudflare/index.js";
import { assetConfigOf, parseDeployCommandLine, requestProblems, runWorkerFirstOf, transportOf } from "../../src/cli/deploy-command.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";

const REPO = resolve(__dirname, "..", "..");
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "cli-deploy-token-5e1f";

let emulator: RunningEmulator;
let work: string;

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(join(REPO, "node_modules", ".bin", "node"), [join(REPO, "dist", "cli.js"), ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  if (!existsSync(join(REPO, "dist", "cli.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does it first).");
  emulator = await startEmulator({ tokens: [TOKEN] });
  const api = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: TOKEN } });
  await api.request({ method: "POST", path: routes.namespacesPath(ACCOUNT), json: { name: "cli" }, schema: z.unknown() });
  await api.close();
  work = await mkdtemp(join(tmpdir(), "wfp-cli-deploy-"));
  await mkdir(join(work, "site"));
  await writeFile(join(work, "site", "index.html"), "<h1>cli</h1>");
  await writeFile(join(work, "site", "_redirects"), "/old / 301\n");
  await writeFile(join(work, "worker.js"), "export default { fetch(r, env) { return env.ASSETS.fetch(r) } }");
});

afterAll(async () => {
  await emulator?.close();
  await rm(work, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({ CLOUDFLARE_API_BASE_URL: emulator.url, CLOUDFLARE_API_TOKEN: TOKEN });

describe("wfp-assets deploy", () => {
  it("deploys a folder with a worker and prints progress, then JSON", async () => {
    const args = ["deploy", join(work, "site"), "--account", ACCOUNT, "--namespace", "cli", "--script", "site"];
    const first = await cli([...args, "--main", join(work, "worker.js"), "--assets-binding", "ASSETS", "--compatibility-date", "2025-06-01", "--not-found-handling", "404-page"], env());
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/1 new of 1 file/);
    expect(first.stdout).toMatch(/deployed site: etag [0-9a-f]+, 1 files/);
    const script = (await emulator.stats()).accounts[ACCOUNT]!.namespaces.cli!.scripts.site!;
    expect(script).toMatchObject({ mainModule: "worker.js", assetConfig: { not_found_handling: "404-page", _redirects: "/old / 301\n" } });

    const again = await cli([...args, "--json"], env());
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ uploadedFiles: 0, cachedFiles: 1 });
  });

  it("refuses bad usage with exit code 2 and says what is missing", async () => {
    const noAccount = await cli(["deploy", join(work, "site"), "--script", "x"], env());
    expect(noAccount.code).toBe(2);
    expect(noAccount.stderr).toMatch(/--account is required/);
    const badHandling = await cli(["deploy", join(work, "site"), "--account", ACCOUNT, "--namespace", "cli", "--script", "x", "--html-handling", "sometimes"], env());
    expect(badHandling.code).toBe(2);
    expect(badHandling.stderr).toMatch(/--html-handling: htmlHandling "sometimes" is not supported; use one of "auto-trailing-slash"/);
    expect((await emulator.stats()).accounts[ACCOUNT]!.namespaces.cli!.scripts).not.toHaveProperty("x");
  });

  it("applies the provider's rules to every option before any request", async () => {
    const requests = async (): Promise<number> => Object.values((await emulator.stats()).accounts[ACCOUNT]?.requests ?? {}).reduce((a, b) => a + b, 0);
    const before = await requests();
    const cases: Array<[string[], RegExp]> = [
      [["--script", "Bad_Name!"], /--script: Worker script name may contain only lowercase letters/],
      [["--script", "ok", "--namespace=-ns"], /--namespace: Dispatch namespace name may contain only/],
      [["--script", "ok", "--account", "ABC"], /--account: Cloudflare account id must be 32 lowercase hex characters/],
      [["--script", "ok", "--compatibility-date", "2025-02-30"], /--compatibility-date: compatibility date is not a real calendar date/],
      [["--script", "ok", "--main", join(work, "worker.js"), "--run-worker-first", "!/api/*"], /--run-worker-first: runWorkerFirst rules need at least one positive rule/],
      [["--script", "ok", "--run-worker-first", "true"], /--run-worker-first: runWorkerFirst needs a worker module/],
      [["--script", "ok", ...Array.from({ length: 9 }, (_, i) => ["--tag", `t${i}`]).flat()], /--tag: at most 8 tags/],
      [["--script", "ok", "--api-budget", "lots"], /--api-budget must be "off" or <calls>\/<window>/],
      [["--script", "ok", "--idle-timeout", "soon"], /--idle-timeout must be a duration/],
    ];
    for (const [flags, expected] of cases) {
      const args = ["deploy", join(work, "site"), "--account", ACCOUNT, "--namespace", "cli", ...flags];
      // A later --account wins in parseArgs, so the account case overrides the valid one above.
      const result = await cli(args, env());
      expect(result.code, flags.join(" ")).toBe(2);
      expect(result.stderr, flags.join(" ")).toMatch(expected);
    }
    expect(await requests()).toBe(before);
  });

  it("names the missing credentials", async () => {
    const result = await cli(["deploy", join(work, "site"), "--account", ACCOUNT, "--script", "x"], { CLOUDFLARE_API_TOKEN: "", CLOUDFLARE_API_BASE_URL: emulator.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/CLOUDFLARE_API_TOKEN/);
  });
});

describe("the command line's decisions (no file read, no request)", () => {
  const base = ["site", "--account", ACCOUNT, "--script", "s"];

  it("asks for help, names what is missing or contradicts, or gives the deploy", () => {
    expect(parseDeployCommandLine(["--help"])).toEqual({ kind: "help" });
    const usage = (argv: string[]): string => {
      const decision = parseDeployCommandLine(argv);
      return decision.kind === "usage" ? decision.message : `not a usage error: ${decision.kind}`;
    };
    expect(usage(["--account", ACCOUNT, "--script", "s"])).toMatch(/exactly one directory/);
    expect(usage(["a", "b", "--account", ACCOUNT, "--script", "s"])).toMatch(/exactly one directory/);
    expect(usage(["site", "--script", "s"])).toMatch(/--account is required/);
    expect(usage(["site", "--account", ACCOUNT])).toMatch(/--script is required/);
    expect(usage([...base, "--module", "lib.js"])).toMatch(/--module needs --main/);
    expect(usage([...base, "--assets-binding", "ASSETS"])).toMatch(/--assets-binding needs --main/);
    expect(usage([...base, "--max-files", "1e3"])).toMatch(/^--max-files must be a whole number from 1 to 100,000 .*got "1e3"/);
    expect(usage([...base, "--max-files", "100001"])).toMatch(/got "100001"/);
    expect(usage([...base, "--colour", "red"])).toMatch(/colour/);
    expect(parseDeployCommandLine([...base, "--max-files", "20000"])).toMatchObject({ kind: "deploy", directory: "site", maxFiles: 20000 });
    const plain = parseDeployCommandLine(base);
    expect(plain).toMatchObject({ kind: "deploy", directory: "site" });
    expect(plain.kind === "deploy" && plain.maxFiles).toBeUndefined();
  });

  it("reads --run-worker-first as a boolean only when it is a lone true/false", () => {
    expect(runWorkerFirstOf(undefined)).toBeUndefined();
    expect(runWorkerFirstOf([])).toBeUndefined();
    expect(runWorkerFirstOf(["true"])).toBe(true);
    expect(runWorkerFirstOf(["false"])).toBe(false);
    expect(runWorkerFirstOf(["/api/*", "!/api/docs/*"])).toEqual(["/api/*", "!/api/docs/*"]);
    expect(runWorkerFirstOf(["true", "/api/*"])).toEqual(["true", "/api/*"]);
  });

  it("builds the asset config from the flags, and reports the rules' problems in flag terms", () => {
    const decision = parseDeployCommandLine([...base, "--html-handling", "none", "--not-found-handling", "404-page", "--run-worker-first", "/api/*"]);
    if (decision.kind !== "deploy") throw new Error(decision.kind);
    expect(assetConfigOf(decision.flags)).toEqual({ htmlHandling: "none", notFoundHandling: "404-page", runWorkerFirst: ["/api/*"] });
    expect(requestProblems({ target: { accountId: ACCOUNT, scriptName: "Bad Name" }, assetConfig: assetConfigOf(decision.flags) })).toEqual([
      expect.stringMatching(/^--script: Worker script name may contain only/),
      expect.stringMatching(/^--run-worker-first: runWorkerFirst needs a worker module/),
    ]);
    expect(requestProblems({ target: { accountId: ACCOUNT, scriptName: "ok" } })).toEqual([]);
  });

  it("takes the transport settings from the flags over the environment, and names a bad one by its flag", () => {
    const flagged = parseDeployCommandLine([...base, "--retry-attempts", "2"]);
    if (flagged.kind !== "deploy") throw new Error(flagged.kind);
    expect(transportOf(flagged.flags, { WFP_ASSETS_RETRY_ATTEMPTS: "7" })).toMatchObject({ transport: { retry: { maxAttempts: 2 } } });
    const bad = parseDeployCommandLine([...base, "--idle-timeout", "soon"]);
    if (bad.kind !== "deploy") throw new Error(bad.kind);
    expect(transportOf(bad.flags, {})).toEqual({ problem: expect.stringMatching(/^--idle-timeout must be a duration/) });
  });
});
