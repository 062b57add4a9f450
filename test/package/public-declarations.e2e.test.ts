/**
 * What a user's type-check loads through the package: a TypeScript program that uses the documented API, compiled by
 * the `tsc` a `pulumi new typescript` project has (its tsconfig, no skipLibCheck) against the packed package
 * installed into a fresh project. The package's declarations must type-check the program, catch its type errors, and
 * load no declaration file of zod or undici (the package's own dependencies: 139 files with this tsconfig, ~50 MiB in
 * a ts-node program; scripts/bundle-declarations.mjs rolls each entry point up so that none is reachable). Node's own
 * `undici-types` (@types/node) is not the package's doing and is allowed.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyModules, installPackedPackage } from "../fixtures/installed-package.mjs";
import { NODE, PACKAGE_NAME, PINNED_SDK } from "../fixtures/repo.mjs";

/** Declaration files of these packages must not be loaded by a program that imports ours. */
const HEAVY_DEPENDENCIES = ["zod", "undici"];

/** The README's examples, with most of the public API's types in play. */
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import {
  CloudflareClient,
  DEFAULT_MAX_FILES,
  HTML_HANDLING_VALUES,
  TenantSites,
  UserWorkerAssets,
  buildManifest,
  checkScriptName,
  deployAssets,
  type AssetConfigArgs,
  type DeployResult,
  type UserWorkerAssetsArgs,
  type UserWorkerAssetsOutputs,
} from "${PACKAGE_NAME}";

const cfg = new pulumi.Config();
const assetConfig: AssetConfigArgs = { htmlHandling: HTML_HANDLING_VALUES[0], notFoundHandling: "404-page", runWorkerFirst: ["/api/*"] };
const args: UserWorkerAssetsArgs = {
  accountId: cfg.require("accountId"),
  namespace: "tenants",
  scriptName: "acme",
  directory: "public",
  maxFiles: DEFAULT_MAX_FILES,
  assetConfig,
  worker: { mainModule: "worker.js", bindings: [{ type: "plain_text", name: "TENANT", text: "acme" }] },
};
const site = new UserWorkerAssets("site", args);
export const fileCount: pulumi.Output<number> = site.fileCount;
export const etag: pulumi.Output<UserWorkerAssetsOutputs["etag"]> = site.etag;

const fleet = new TenantSites("tenants", { accountId: cfg.require("accountId"), namespace: "tenants", sitesDirectory: "sites" });
export const fleetUrn = fleet.urn;

export async function deployWithoutPulumi(): Promise<DeployResult> {
  const problem: string | undefined = checkScriptName("acme");
  if (problem) throw new Error(problem);
  const manifest = await buildManifest("public");
  const target = { accountId: "0123456789abcdef0123456789abcdef", namespace: "tenants", scriptName: "acme" };
  return deployAssets(new CloudflareClient(), { target, assets: manifest, assetConfig: { notFoundHandling: "404-page" } });
}
`;

/** Every other entry point in package.json "exports", as a program with Node's module resolution reads them. */
const ENTRY_POINTS = `import { startEmulator, type RunningEmulator } from "${PACKAGE_NAME}/emulator";
import * as shell from "${PACKAGE_NAME}/provider";
import { manifestInputDigest, provider } from "${PACKAGE_NAME}/provider-engine";
import { declareTenants, userWorkerAssetsInputs } from "${PACKAGE_NAME}/component-package";

export function emulator(): Promise<RunningEmulator> {
  return startEmulator({ tokens: ["token"] });
}
export const parts = [shell.create, shell.delete, provider.check, manifestInputDigest, declareTenants, userWorkerAssetsInputs];
`;

/** A mistake a user makes: a value the asset config does not accept. */
const MISTAKE = `import { UserWorkerAssets } from "${PACKAGE_NAME}";

new UserWorkerAssets("typo", { accountId: "a", scriptName: "s", directory: "public", assetConfig: { notFoundHandling: "404" } });
`;

/** What `pulumi new typescript` writes (CommonJS, Node 10 resolution, no skipLibCheck). */
const PULUMI_COMPILER_OPTIONS = { strict: true, outDir: "bin", target: "es2020", module: "commonjs", moduleResolution: "node", sourceMap: true, forceConsistentCasingInFileNames: true };
/** A project that resolves through package.json "exports" (the subpath entry points need it). */
const NODENEXT_COMPILER_OPTIONS = { strict: true, outDir: "bin", target: "es2022", module: "nodenext", moduleResolution: "nodenext" };

let projectDir: string;

interface TypeCheck {
  code: number;
  /** Absolute paths of every file tsc loaded (`--listFiles`). */
  files: string[];
  errors: string[];
}

async function typeCheck(config: string): Promise<TypeCheck> {
  const tsc = path.join(projectDir, "node_modules", "typescript", "bin", "tsc");
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((done) => {
    execFile(NODE, [tsc, "-p", config, "--noEmit", "--listFiles"], { cwd: projectDir, maxBuffer: 64 * 1024 * 1024 }, (error, out) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout: out }),
    );
  });
  const lines = stdout.split("\n").filter((line) => line.length > 0);
  return { code, files: lines.filter((line) => path.isAbsolute(line)), errors: lines.filter((line) => / error TS\d+:/.test(line)) };
}

/** The files of a package's own folder in node_modules (wherever npm placed it). */
function filesOf(files: string[], name: string): string[] {
  return files.filter((file) => file.split(path.sep).join("/").includes(`/node_modules/${name}/`));
}

/** The package's files tsc loaded, relative to the package's folder, sorted: one rolled-up file per entry point. */
function ourFiles(files: string[]): string[] {
  return filesOf(files, PACKAGE_NAME)
    .map((file) => file.split(path.sep).join("/").replace(/^.*\/node_modules\/[^/]+\//, ""))
    .sort();
}

async function writeProject(name: string, compilerOptions: object, files: Record<string, string>): Promise<string> {
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(projectDir, file), text);
  const config = path.join(projectDir, `${name}.json`);
  await writeFile(config, JSON.stringify({ compilerOptions, files: Object.keys(files) }, null, 2));
  return config;
}

beforeAll(async () => {
  const installed = await installPackedPackage({ sdkVersion: PINNED_SDK, language: "ts" });
  projectDir = await mkdtemp(path.join(tmpdir(), "wfp-declarations-"));
  await copyModules(installed, projectDir);
}, 10 * 60_000);

afterAll(async () => {
  if (projectDir) await rm(projectDir, { recursive: true, force: true });
});

describe("the installed package's type declarations", { timeout: 120_000 }, () => {
  it("type-check a Pulumi program that uses the documented API, loading no zod or undici declarations", async () => {
    const result = await typeCheck(await writeProject("tsconfig", PULUMI_COMPILER_OPTIONS, { "index.ts": PROGRAM }));
    expect(result.errors).toEqual([]);
    expect(result.code).toBe(0);
    expect(ourFiles(result.files)).toEqual(["dist/index.d.ts"]);
    for (const dependency of HEAVY_DEPENDENCIES) expect(filesOf(result.files, dependency), dependency).toEqual([]);
    process.stderr.write(`a Pulumi program importing ${PACKAGE_NAME}: tsc loaded ${result.files.length} files\n`);
  });

  it("type-check every other entry point in package.json \"exports\", loading no zod or undici declarations", async () => {
    const result = await typeCheck(await writeProject("tsconfig.entries", NODENEXT_COMPILER_OPTIONS, { "entries.ts": ENTRY_POINTS }));
    expect(result.errors).toEqual([]);
    expect(result.code).toBe(0);
    expect(ourFiles(result.files)).toEqual(["dist/component-package/index.d.ts", "dist/emulator/index.d.ts", "dist/provider/engine.d.ts", "dist/provider/shell.d.ts"]);
    for (const dependency of HEAVY_DEPENDENCIES) expect(filesOf(result.files, dependency), dependency).toEqual([]);
  });

  it("still catch a type error in the user's program", async () => {
    const result = await typeCheck(await writeProject("tsconfig.mistake", PULUMI_COMPILER_OPTIONS, { "index.ts": PROGRAM, "mistake.ts": MISTAKE }));
    expect(result.code).not.toBe(0);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/^mistake\.ts\(3,\d+\): error TS2322: Type '"404"' is not assignable to type '"none" \| "404-page" \| "single-page-application"/);
  });
});
