/**
 * The Python SDK of the component package (packages/pulumi-wfp-assets-components), generated through the real CLI:
 * `pulumi package gen-sdk <the package's folder> --language python` runs the package as a plugin for its schema
 * (the Node.js host's RunPlugin) and hands the schema to the project's Python host (tools/pulumi-cli/language-python),
 * which writes the SDK with pkg/v3's Python code generator. No Python program runs here: Pulumi's Python SDK cannot be
 * installed (no Python package index), so the test checks the SDK's files and that every one compiles with the
 * machine's `python3 -m py_compile`. C# is not generated at all: its code generator is not part of pkg/v3.
 */
import { execFile, spawnSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installComponentPackage } from "../fixtures/component-package.mjs";
import { PulumiProject } from "./pulumi-project.js";

/** The Python package name the code generator derives from the schema's name `wfp-assets`. */
const PY_PACKAGE = "pulumi_wfp_assets";
const PYTHON3 = spawnSync("python3", ["--version"]).status === 0 ? "python3" : undefined;

let project: PulumiProject;
let sdkDir: string;
let genOutput: string;

async function pyFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(".py")).map((e) => join(e.parentPath, e.name));
}

beforeAll(async () => {
  project = await PulumiProject.create({ program: "" });
  const pluginDir = await installComponentPackage(project.installed, join(project.root, "components"));
  const out = join(project.root, "sdks");
  // The plugin folder's node_modules is complete, so the Node.js host skips its `npm install` (no registry involved).
  const gen = await project.ok(["package", "gen-sdk", pluginDir, "--language", "python", "--out", out], { npm_config_offline: "true" });
  genOutput = gen.output;
  sdkDir = join(out, "python"); // gen-sdk writes into <out>/<language>
}, 15 * 60_000);

afterAll(async () => {
  await project?.dispose();
});

describe("Python SDK of the component package", () => {
  it("is generated without errors or warnings", () => {
    expect(genOutput).not.toMatch(/error|warning/i);
  });

  it("holds the package, one module per component with its args class, and the package metadata", async () => {
    const files = (await readdir(sdkDir, { recursive: true })).map((f) => f.split("\\").join("/"));
    expect(files).toEqual(
      expect.arrayContaining([
        "setup.py",
        `${PY_PACKAGE}/__init__.py`,
        `${PY_PACKAGE}/_inputs.py`,
        `${PY_PACKAGE}/outputs.py`,
        `${PY_PACKAGE}/_utilities.py`,
        `${PY_PACKAGE}/pulumi-plugin.json`,
        `${PY_PACKAGE}/tenant_sites.py`,
        `${PY_PACKAGE}/site.py`,
      ]),
    );
    const tenantSites = await readFile(join(sdkDir, PY_PACKAGE, "tenant_sites.py"), "utf8");
    expect(tenantSites).toContain("class TenantSitesArgs:");
    expect(tenantSites).toContain("class TenantSites(pulumi.ComponentResource):");
    // The arguments the Go and YAML programs pass, in Python's spelling, and the outputs they export.
    for (const name of ["account_id", "namespace", "sites_directory", "url_pattern"]) expect(tenantSites).toMatch(new RegExp(`\\b${name}:`));
    for (const output of ["urls", "sites"]) expect(tenantSites).toContain(`def ${output}(self)`);
    expect(await readFile(join(sdkDir, PY_PACKAGE, "site.py"), "utf8")).toContain("class SiteArgs:");
    const plugin = JSON.parse(await readFile(join(sdkDir, PY_PACKAGE, "pulumi-plugin.json"), "utf8")) as { resource?: boolean; name?: string };
    expect(plugin).toMatchObject({ resource: true, name: "wfp-assets" });
    expect(await readFile(join(sdkDir, "setup.py"), "utf8")).toContain(`name='${PY_PACKAGE}'`);
  });

  it("compiles: every generated .py file passes python3 -m py_compile", async (context) => {
    if (!PYTHON3) return context.skip("no python3 on PATH, so the generated SDK's syntax is not checked; install Python 3 to run this");
    const files = await pyFiles(sdkDir);
    expect(files.length).toBeGreaterThanOrEqual(4);
    // Compiled into a throwaway cache folder, so the SDK folder keeps only what gen-sdk wrote.
    const env = { ...process.env, PYTHONPYCACHEPREFIX: join(project.root, "pycache") };
    const failures: string[] = [];
    for (const file of files) {
      try {
        await promisify(execFile)(PYTHON3, ["-m", "py_compile", file], { env });
      } catch (error) {
        failures.push(`${relative(sdkDir, file)}: ${(error as { stderr?: string }).stderr ?? String(error)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
