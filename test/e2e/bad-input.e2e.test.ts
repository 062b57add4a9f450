/**
 * Bad input through the real CLI: each case must fail with a message that names the input and the fix, printed
 * as a message (not buried in a stack trace), with nothing deployed. Everything that can be known without the
 * API fails in `pulumi preview` and sends no request at all; what only the API can tell (a namespace that does
 * not exist, a token it rejects, an answer that is not JSON) fails in `pulumi up`, with nothing deployed.
 *
 * One program and one stack serve every case: each case writes its config (Pulumi.dev.yaml) and runs once.
 */
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_ASSET_SIZE } from "../../src/manifest/index.js";
import { FREE_PLAN_MAX_FILES } from "../../src/rules/index.js";
import { ACCOUNT, API_TOKEN, startHarness, type Harness } from "../reliability/harness.js";
import { guardSecrets, PulumiProject, pulumiBinDir, type RunResult } from "./pulumi-project.js";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { UserWorkerAssets } from "pulumi-wfp-assets";

const c = new pulumi.Config("case");
const site = new UserWorkerAssets("site", {
  accountId: c.require("accountId"),
  namespace: c.get("namespace"),
  scriptName: c.require("scriptName"),
  directory: c.require("directory"),
  maxFiles: c.getNumber("maxFiles"),
  compatibilityDate: c.get("compatibilityDate"),
  assetConfig: c.getObject("assetConfig"),
  worker: c.getObject("worker"),
});
export const fileCount = site.fileCount;
`;

/** A valid deploy; every case changes one thing. */
const VALID = {
  "case:accountId": ACCOUNT,
  "case:namespace": "tenants",
  "case:scriptName": "site",
  "case:directory": "public",
} as const;

const IS_ROOT = process.getuid?.() === 0;
/** A Node stack frame, `    at fn (file.js:1:2)`: a user-input error must not be reported as one. */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

interface PreviewCase {
  name: string;
  config: Record<string, unknown>;
  /** Credentials for the run: the emulator's token unless the case is about credentials. */
  env?: Record<string, string | undefined>;
  /** All must match the output: the input named, the problem, the fix. */
  expected: RegExp[];
  skip?: string;
}

const PREVIEW_CASES: PreviewCase[] = [
  {
    name: "a directory that does not exist",
    config: { "case:directory": "dist-not-built" },
    expected: [/UserWorkerAssets "site"/, /dist-not-built does not exist/, /Build the site first/],
  },
  {
    name: "a file given as the directory",
    config: { "case:directory": "notes.txt" },
    expected: [/notes\.txt is a file, not a directory/, /Pass the directory that contains the site's files/],
  },
  {
    name: "an empty directory",
    config: { "case:directory": "empty" },
    expected: [/empty has no files to upload/, /Build the site into it first/],
  },
  {
    name: "a file of 25 MiB + 1 byte",
    config: { "case:directory": "big" },
    expected: [/Asset \/huge\.bin is 25\.0 MiB \(26214401 bytes\)/, /up to 25 MiB/, /\.assetsignore/],
  },
  {
    // The Free plan's limit, as an account script of a free account sets it (the default, 100,000, is tested in
    // test/manifest/limits.test.ts without writing 100,001 files here).
    name: "more files than maxFiles",
    config: { "case:directory": "many", "case:maxFiles": FREE_PLAN_MAX_FILES },
    expected: [/many holds more than 20,000 assets/, /\.assetsignore/, /raise maxFiles/],
  },
  {
    name: "a symlink escaping the directory",
    config: { "case:directory": "escape" },
    expected: [/Symbolic link .*escape\/secret\.txt/, /outside the asset directory/, /copy the target in, or exclude the link/],
  },
  {
    name: "a symlink loop",
    config: { "case:directory": "loop" },
    expected: [/Symbolic link .*loop\/sub\/up/, /contains the link itself/, /Remove the link or exclude it/],
  },
  {
    name: "an unreadable file",
    config: { "case:directory": "unreadable" },
    expected: [/Cannot read asset \/secret\.txt/, /permission denied \(EACCES\)/, /Fix its permissions, or exclude it/],
    skip: IS_ROOT ? "root reads any file regardless of its mode" : undefined,
  },
  {
    name: "an invalid account id",
    config: { "case:accountId": "my-account" },
    expected: [/property accountId value \{my-account\}/, /32 lowercase hex characters/],
  },
  {
    name: "an invalid script name",
    config: { "case:scriptName": "Tenant Site!" },
    expected: [/property scriptName value \{Tenant Site!\}/, /only lowercase letters \(a-z\), digits, "-" and "_"/],
  },
  {
    name: "an invalid namespace name",
    config: { "case:namespace": "Tenants_Prod-" },
    expected: [/property namespace value \{Tenants_Prod-\}/, /Dispatch namespace name may contain only lowercase letters/],
  },
  {
    name: "an invalid compatibility date",
    config: { "case:compatibilityDate": "2025-02-30" },
    expected: [/property compatibilityDate value \{2025-02-30\}/, /not a real calendar date/],
  },
  {
    name: "an unknown htmlHandling",
    config: { "case:assetConfig": { htmlHandling: "trailing-slash" } },
    expected: [/property assetConfig\.htmlHandling/, /htmlHandling "trailing-slash" is not supported; use one of "auto-trailing-slash"/],
  },
  {
    name: "an unknown notFoundHandling",
    config: { "case:assetConfig": { notFoundHandling: "spa" } },
    expected: [/property assetConfig\.notFoundHandling/, /notFoundHandling "spa" is not supported; use one of .*"single-page-application"/],
  },
  {
    name: "runWorkerFirst without a worker",
    config: { "case:assetConfig": { runWorkerFirst: ["/api/*"] } },
    expected: [/property assetConfig\.runWorkerFirst/, /needs a worker module/, /add worker\.mainModule or remove it/],
  },
  {
    name: "an assets binding on an assets-only worker",
    config: { "case:worker": { assetsBinding: "ASSETS" } },
    expected: [/worker\.assetsBinding "ASSETS" is set but worker\.mainModule is not/, /Add worker\.mainModule or remove the worker/],
  },
  {
    name: "a root _worker.js without .assetsignore",
    config: { "case:directory": "pages-output" },
    expected: [/Refusing to upload \/_worker\.js/, /add a \.assetsignore file/],
  },
  {
    name: "missing credentials",
    config: {},
    env: { CLOUDFLARE_API_TOKEN: undefined, CLOUDFLARE_API_KEY: undefined, CLOUDFLARE_EMAIL: undefined },
    expected: [/resource 'site' has a problem: No Cloudflare credentials found/, /pulumi config set --secret cloudflare:apiToken/, /CLOUDFLARE_API_TOKEN/],
  },
];

let h: Harness;
let project: PulumiProject;

async function accountRequests(): Promise<Record<string, number>> {
  return { ...(await h.emu.stats()).accounts[ACCOUNT]?.requests };
}

async function deployedScripts(): Promise<string[]> {
  const account = (await h.emu.stats()).accounts[ACCOUNT];
  return [...Object.keys(account?.namespaces.tenants?.scripts ?? {}), ...Object.keys(account?.scripts ?? {})];
}

/** The error is printed as a message: no stack frames, no "unhandled exception" dump. */
function expectCleanError(run: RunResult, expected: RegExp[]): void {
  expect(run.code, run.output).not.toBe(0);
  for (const pattern of expected) expect(run.output, `output should match ${pattern}`).toMatch(pattern);
  expect(run.output).not.toMatch(STACK_FRAME);
  expect(run.output).not.toMatch(/unhandled exception|PromiseRejectionHandledWarning/);
  expect(run.output).toMatch(/^Diagnostics:$/m);
}

beforeAll(async () => {
  await pulumiBinDir();
  h = await startHarness();
  await h.createNamespace("tenants");
  project = await PulumiProject.create({
    name: "wfp-bad-input",
    program: PROGRAM,
    files: {
      "public/index.html": "<h1>ok</h1>",
      "public/about.html": "<h1>about</h1>",
      "notes.txt": "not a directory",
      "outside.txt": "private notes next to the site",
      "escape/index.html": "<h1>escape</h1>",
      "loop/index.html": "<h1>loop</h1>",
      "loop/sub/page.html": "<h1>sub</h1>",
      "pages-output/index.html": "<h1>pages</h1>",
      "pages-output/_worker.js": "export default { fetch() { return new Response('server code') } }",
      "big/index.html": "<h1>big</h1>",
      "big/huge.bin": Buffer.alloc(MAX_ASSET_SIZE + 1, 7),
      "unreadable/index.html": "<h1>locked</h1>",
      "unreadable/secret.txt": "nobody may read this",
    },
    env: { CLOUDFLARE_API_BASE_URL: h.emu.url },
  });
  project.secrets.add(API_TOKEN);
  await mkdir(join(project.dir, "empty"));
  await symlink(join(project.dir, "outside.txt"), join(project.dir, "escape", "secret.txt"));
  await symlink("..", join(project.dir, "loop", "sub", "up"));
  await chmod(join(project.dir, "unreadable", "secret.txt"), 0o000);
  await mkdir(join(project.dir, "many"));
  for (let start = 0; start <= FREE_PLAN_MAX_FILES; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, FREE_PLAN_MAX_FILES + 1 - start) }, (_, i) => start + i);
    await Promise.all(batch.map((i) => writeFile(join(project.dir, "many", `page-${i}.html`), `<p>${i}</p>`)));
  }
  await project.initStack("dev");
}, 10 * 60_000);

afterAll(async () => {
  await project?.dispose();
  await h?.close();
});

describe("bad input fails in `pulumi preview`, before any API call", { timeout: 300_000 }, () => {
  it("(control) the valid config previews cleanly and calls no API", async () => {
    await project.writeStackConfig(VALID);
    const before = await accountRequests();
    const preview = await project.pulumi(["preview"], { CLOUDFLARE_API_TOKEN: API_TOKEN });
    expect(preview.code, preview.output).toBe(0);
    expect(preview.output).toMatch(/\+ 2 to create/);
    expect(await accountRequests()).toEqual(before);
  });

  for (const c of PREVIEW_CASES) {
    it.skipIf(c.skip !== undefined)(`${c.name}${c.skip ? ` (skipped: ${c.skip})` : ""}`, async () => {
      await project.writeStackConfig({ ...VALID, ...c.config });
      const before = await accountRequests();
      const preview = await project.pulumi(["preview"], { CLOUDFLARE_API_TOKEN: API_TOKEN, ...c.env });
      expectCleanError(preview, c.expected);
      expect(await accountRequests(), "no API request").toEqual(before);
      expect(await deployedScripts()).toEqual([]);
    });
  }

  it("leaves no secret in the stack state", async () => {
    const deployments = await project.checkStateForSecrets();
    expect(deployments.dev!.resources ?? []).toEqual([]);
  });
});

describe("bad input only the API can detect fails in `pulumi up`, with nothing deployed", { timeout: 300_000 }, () => {
  guardSecrets(() => [project]);

  async function upFails(config: Record<string, unknown>, env: Record<string, string>, expected: RegExp[]): Promise<void> {
    await project.writeStackConfig({ ...VALID, ...config });
    const up = await project.pulumi(["up", "--yes"], env);
    expectCleanError(up, expected);
    expect(up.output).toMatch(/Nothing was attached, so the live worker was not changed/);
    const requests = await accountRequests();
    expect(Object.keys(requests).filter((route) => /upload$|PUT /.test(route)), "no upload, no script PUT").toEqual([]);
    expect(await deployedScripts()).toEqual([]);
    const state = (await project.checkStateForSecrets()).dev!;
    expect((state.resources ?? []).filter((r) => r.type.includes("UserWorkerAssets"))).toEqual([]);
    expect(state.pending_operations ?? []).toEqual([]);
  }

  it("a dispatch namespace that does not exist", async () => {
    await upFails({ "case:namespace": "ghosts" }, { CLOUDFLARE_API_TOKEN: API_TOKEN }, [
      /dispatch namespace "ghosts" does not exist in account/,
      /wrangler dispatch-namespace create ghosts/,
      /or fix `namespace`/,
    ]);
  });

  it("a token the API rejects", async () => {
    const wrongToken = "revoked-token-0f9e8d7c6b5a";
    project.secrets.add(wrongToken);
    await upFails({}, { CLOUDFLARE_API_TOKEN: wrongToken }, [
      /HTTP 403/,
      /Authentication error/,
      /check that the API token is valid and may edit Workers scripts of account/,
      /`cloudflare:apiToken` stack config or CLOUDFLARE_API_TOKEN/,
    ]);
  });

  it("an API answer that is not JSON", async () => {
    h.emu.setFaults("session=html");
    try {
      await upFails({}, { CLOUDFLARE_API_TOKEN: API_TOKEN }, [/HTTP 502 with a non-JSON body/, /assets-upload-session/, /running the deploy again resumes/]);
    } finally {
      h.emu.setFaults(undefined);
    }
  });

  it("(control) the valid config deploys", async () => {
    await project.writeStackConfig(VALID);
    await project.ok(["up", "--yes"], { CLOUDFLARE_API_TOKEN: API_TOKEN });
    expect(await deployedScripts()).toEqual(["site"]);
    await project.ok(["destroy", "--yes"], { CLOUDFLARE_API_TOKEN: API_TOKEN });
    expect(await deployedScripts()).toEqual([]);
  });
});
