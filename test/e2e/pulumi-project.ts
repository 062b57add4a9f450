/**
 * Drives the real Pulumi CLI (built by scripts/build-pulumi-cli.sh) on a throwaway project in a
 * temp dir: file:// backend, passphrase secrets, no update checks, no plugin downloads.
 */
import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";

export const REPO_ROOT = resolve(__dirname, "..", "..");
const NODE = join(REPO_ROOT, "node_modules", ".bin", "node");

let binDirPromise: Promise<string> | undefined;

/** The bin dir of the pinned CLI; the first call may build it (minutes, cached afterwards). */
export function pulumiBinDir(): Promise<string> {
  binDirPromise ??= promisify(execFile)(NODE, [join(REPO_ROOT, "scripts", "pulumi.mjs"), "--print-bin-dir"], {
    maxBuffer: 1 << 20,
  }).then(({ stdout }) => stdout.trim().split("\n").at(-1)!);
  return binDirPromise;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for assertions on what a user sees. */
  output: string;
}

export interface ProjectOptions {
  name?: string;
  program: string;
  files?: Record<string, string | Buffer>;
  env?: Record<string, string>;
}

export class PulumiProject {
  private constructor(
    readonly dir: string,
    readonly root: string,
    readonly env: Record<string, string>,
  ) {}

  static async create(options: ProjectOptions): Promise<PulumiProject> {
    const root = await mkdtemp(join(tmpdir(), "wfp-e2e-"));
    const dir = join(root, "project");
    await mkdir(dir, { recursive: true });
    await mkdir(join(root, "state"));
    const project = new PulumiProject(dir, root, {
      PULUMI_BACKEND_URL: `file://${join(root, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
      ...options.env,
    });
    await writeFile(
      join(dir, "Pulumi.yaml"),
      `name: ${options.name ?? "wfp-e2e"}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`,
    );
    await writeFile(join(dir, "index.ts"), options.program);
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: options.name ?? "wfp-e2e", private: true }, null, 2));
    await project.linkNodeModules();
    for (const [path, content] of Object.entries(options.files ?? {})) await project.write(path, content);
    return project;
  }

  /**
   * The program resolves `pulumi-wfp-assets` and `@pulumi/pulumi` as an installed user project
   * would: node_modules links to the repo's packages plus the repo itself under its package name.
   */
  private async linkNodeModules(): Promise<void> {
    const modules = join(this.dir, "node_modules");
    await mkdir(modules);
    for (const entry of await readdir(join(REPO_ROOT, "node_modules"))) {
      if (entry === ".bin" || entry === ".package-lock.json" || entry === "pulumi-wfp-assets") continue;
      await symlink(join(REPO_ROOT, "node_modules", entry), join(modules, entry));
    }
    await symlink(REPO_ROOT, join(modules, "pulumi-wfp-assets"));
  }

  async write(path: string, content: string | Buffer): Promise<void> {
    const full = join(this.dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }

  async remove(path: string): Promise<void> {
    await rm(join(this.dir, path), { recursive: true, force: true });
  }

  async pulumi(args: string[], extraEnv: Record<string, string> = {}): Promise<RunResult> {
    const binDir = await pulumiBinDir();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...this.env,
      ...extraEnv,
      PATH: [binDir, join(REPO_ROOT, "node_modules", ".bin"), process.env.PATH ?? ""].join(":"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_HOME: join(this.root, "pulumi-home"),
      NO_COLOR: "1",
    };
    return new Promise((resolvePromise, reject) => {
      const child = spawn(join(binDir, "pulumi"), [...args, "--non-interactive", "--color", "never"], { cwd: this.dir, env });
      let stdout = "";
      let stderr = "";
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        output += chunk;
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
        output += chunk;
      });
      child.on("error", reject);
      child.on("close", (code) => resolvePromise({ code, stdout, stderr, output }));
    });
  }

  /** Runs pulumi and fails with its whole output when it exits non-zero. */
  async ok(args: string[], extraEnv: Record<string, string> = {}): Promise<RunResult> {
    const result = await this.pulumi(args, extraEnv);
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${result.code}:\n${result.output}`);
    return result;
  }

  async initStack(name = "dev", config: Record<string, string> = {}, secrets: Record<string, string> = {}): Promise<void> {
    await this.ok(["stack", "init", name]);
    for (const [key, value] of Object.entries(config)) await this.ok(["config", "set", key, value]);
    for (const [key, value] of Object.entries(secrets)) await this.ok(["config", "set", "--secret", key, value]);
  }

  async exportStack(): Promise<string> {
    return (await this.ok(["stack", "export", "--show-secrets=false"])).stdout;
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
