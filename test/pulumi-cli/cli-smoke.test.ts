// Drives the real Pulumi CLI (scripts/pulumi.mjs: a pinned `pulumi` on PATH or the cache build with this
// project's language host) through a whole stack lifecycle of a TypeScript program with a dynamic resource.
// Everything is offline: a file:// backend in a temp dir, a passphrase, no update check, no plugin downloads.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";

const repoRoot = path.resolve(__dirname, "../..");
const pulumiScript = path.join(repoRoot, "scripts", "pulumi.mjs");
// A cold build of the CLI from Go modules takes several minutes on two cores (more with a cold module cache).
const BUILD_TIMEOUT_MS = 40 * 60_000;
const CLI_TEST_TIMEOUT_MS = 180_000;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let workDir = "";
let cliEnv: NodeJS.ProcessEnv = {};

function runNode(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function pulumi(cwd: string, ...args: string[]): Promise<CliResult> {
  return runNode([pulumiScript, ...args, "--non-interactive"], cwd, cliEnv);
}

/** Fails with the CLI's own output, which is what one needs to see when a step breaks. */
function expectSuccess(result: CliResult): CliResult {
  if (result.code !== 0) {
    throw new Error(`pulumi exited with ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
  return result;
}

const projectFiles = (name: string, program: string): Record<string, string> => ({
  "Pulumi.yaml": `name: ${name}\nruntime: nodejs\n`,
  // No dependencies: it only marks the package root, which @pulumi/pulumi's cmd/run looks for (it warns
  // without one). Modules come from the node_modules symlink below.
  "package.json": JSON.stringify({ name, private: true }),
  "index.ts": program,
});

/**
 * Writes a Pulumi project into a fresh directory. Its node_modules is a symlink to the repository's: the
 * program, ts-node and the dynamic-provider shim (pulumi-resource-pulumi-nodejs, started with the project
 * directory as cwd) all resolve @pulumi/pulumi from there, so no `npm install` (no network) is needed and
 * the SDK under test is exactly the pinned one.
 */
async function writeProject(name: string, program: string): Promise<string> {
  const dir = path.join(workDir, name);
  await mkdir(dir, { recursive: true });
  for (const [file, content] of Object.entries(projectFiles(name, program))) {
    await writeFile(path.join(dir, file), content);
  }
  await symlink(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

const greetingProgram = `
import * as pulumi from "@pulumi/pulumi";

interface GreetingInputs { name: string }

const greetingProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: GreetingInputs) {
    return { id: "greeting-" + inputs.name, outs: { name: inputs.name, message: "hello " + inputs.name } };
  },
};

class Greeting extends pulumi.dynamic.Resource {
  declare readonly message: pulumi.Output<string>;
  constructor(name: string, args: { name: pulumi.Input<string> }) {
    super(greetingProvider, name, { ...args, message: undefined }, {});
  }
}

const config = new pulumi.Config();
const greeting = new Greeting("greeting", { name: config.require("name") });

export const message = greeting.message;
export const token = config.requireSecret("token");
export const nodeVersion = process.version;
`;

const failingProgram = `
import * as pulumi from "@pulumi/pulumi";
export const unused = pulumi.output("never exported");
throw new Error("deliberate failure from the smoke program");
`;

const stackExportSchema = z.object({
  deployment: z.object({
    resources: z
      .array(
        z.object({
          urn: z.string(),
          type: z.string(),
          id: z.string().optional(),
          outputs: z.record(z.string(), z.unknown()).optional(),
        }),
      )
      .optional(),
  }),
});

async function exportedResources(cwd: string) {
  const exported = expectSuccess(await pulumi(cwd, "stack", "export"));
  return stackExportSchema.parse(JSON.parse(exported.stdout)).deployment.resources ?? [];
}

beforeAll(async () => {
  // Ensures the CLI first (this may build it from Go modules) so the tests below only measure Pulumi.
  const ensured = await runNode([pulumiScript, "--print-bin-dir"], repoRoot, process.env);
  if (ensured.code !== 0) throw new Error(`could not get a Pulumi CLI:\n${ensured.stderr}`);

  workDir = await mkdtemp(path.join(tmpdir(), "pulumi-cli-smoke-"));
  await mkdir(path.join(workDir, "state"));
  cliEnv = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${path.join(workDir, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "smoke-test-passphrase",
    PULUMI_HOME: path.join(workDir, "pulumi-home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_WFP_LANGHOST_DEBUG: "0",
  };
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  if (workDir !== "") await rm(workDir, { recursive: true, force: true });
});

describe("the project's Pulumi CLI", () => {
  it("reports the version @pulumi/pulumi is pinned to", async () => {
    const pinned = z
      .object({ devDependencies: z.object({ "@pulumi/pulumi": z.string() }) })
      .parse(JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8")))
      .devDependencies["@pulumi/pulumi"];
    const result = expectSuccess(await runNode([pulumiScript, "version"], workDir, cliEnv));
    expect(result.stdout.trim()).toBe(`v${pinned}`);
  });

  it(
    "takes a dynamic resource through up, preview, stack output and destroy",
    async () => {
      const project = await writeProject("greeting", greetingProgram);
      expectSuccess(await pulumi(project, "stack", "init", "smoke"));
      expectSuccess(await pulumi(project, "config", "set", "name", "world"));
      expectSuccess(await pulumi(project, "config", "set", "--secret", "token", "s3cr3t-value"));

      const up = expectSuccess(await pulumi(project, "up", "--yes"));
      expect(up.stdout).toMatch(/\+ 2 created/);

      const afterUp = await exportedResources(project);
      const greeting = afterUp.find((resource) => resource.type === "pulumi-nodejs:dynamic:Resource");
      expect(greeting?.id).toBe("greeting-world");
      expect(greeting?.outputs?.message).toBe("hello world");

      // The debug switch of our language host lists the RPCs the engine makes; a dry run must not change anything.
      const preview = expectSuccess(
        await runNode([pulumiScript, "preview", "--non-interactive"], project, {
          ...cliEnv,
          PULUMI_WFP_LANGHOST_DEBUG: "1",
        }),
      );
      expect(preview.stdout).toMatch(/2 unchanged/);
      expect(preview.stdout).not.toMatch(/to create|to update|to delete|to replace/);
      expect(preview.stdout).toContain("rpc /pulumirpc.LanguageRuntime/Run");
      expect(preview.stdout).toContain("--dry-run");

      const outputs = z
        .object({ message: z.string(), token: z.string(), nodeVersion: z.string() })
        .parse(JSON.parse(expectSuccess(await pulumi(project, "stack", "output", "--json")).stdout));
      expect(outputs.message).toBe("hello world");
      expect(outputs.token).toBe("[secret]");
      // The program runs on the project's Node (node_modules/.bin/node), not whatever `node` the machine has.
      const projectNode = spawnSync(path.join(repoRoot, "node_modules", ".bin", "node"), ["--version"], {
        encoding: "utf8",
      }).stdout.trim();
      expect(outputs.nodeVersion).toBe(projectNode);

      const secret = expectSuccess(await pulumi(project, "stack", "output", "token", "--show-secrets"));
      expect(secret.stdout.trim()).toBe("s3cr3t-value");

      const destroy = expectSuccess(await pulumi(project, "destroy", "--yes"));
      expect(destroy.stdout).toMatch(/- 2 deleted/);
      expect(await exportedResources(project)).toEqual([]);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    "fails `pulumi up` with the program's error when the program throws",
    async () => {
      const project = await writeProject("failing", failingProgram);
      expectSuccess(await pulumi(project, "stack", "init", "smoke"));

      const up = await pulumi(project, "up", "--yes");
      expect(up.code).not.toBe(0);
      expect(up.stdout + up.stderr).toContain("Error: deliberate failure from the smoke program");
      // `up` previews first; the failed preview must stop it before anything (even the stack resource) exists.
      expect(await exportedResources(project)).toEqual([]);
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
