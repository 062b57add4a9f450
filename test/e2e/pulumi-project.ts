/**
 * Drives the real Pulumi CLI (built by scripts/build-pulumi-cli.sh) on a throwaway project in a
 * temp dir: file:// backend, passphrase secrets, no update checks, no plugin downloads.
 *
 * Every run's output (pulumi's own plus the provider's console output) is checked for the secrets
 * registered in `project.secrets` and for anything shaped like a JWT; `checkStateForSecrets()` does the
 * same for `pulumi stack export` (`guardSecrets` runs it after every test).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { killProcessTree } from "./process-tree.js";
import { assertNoSecretLeaks } from "./secret-guard.js";

export { guardSecrets, JWT_PATTERN, SecretLeakError } from "./secret-guard.js";

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

/** A `pulumi` run in the background (`PulumiProject.start`). */
export interface RunningPulumi {
  readonly pid: number;
  /** Everything printed so far (stdout + stderr). */
  output(): string;
  /** Settles when the process has exited, also after `killTree`; rejects if the output leaked a secret. */
  readonly exited: Promise<RunResult>;
  /** SIGKILLs pulumi and every process it started (language host, program, provider), as a CI job kill does. */
  killTree(): Array<{ pid: number; command: string }>;
}

/** What `pulumi stack export` holds, as far as these tests look at it. */
export interface ExportedDeployment {
  resources?: Array<{ urn: string; type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }>;
  pending_operations?: Array<{ type: string; resource: { urn: string } }>;
}

export interface ProjectOptions {
  name?: string;
  program: string;
  files?: Record<string, string | Buffer>;
  env?: Record<string, string>;
}

export class PulumiProject {
  /** Values no pulumi output and no exported state may contain (add the API token). */
  readonly secrets: Set<string>;
  private readonly stacks: Set<string>;
  private disposedFlag = false;

  private constructor(
    readonly dir: string,
    readonly root: string,
    readonly env: Record<string, string>,
    shared?: { secrets: Set<string>; stacks: Set<string> },
  ) {
    this.secrets = shared?.secrets ?? new Set();
    this.stacks = shared?.stacks ?? new Set();
  }

  get disposed(): boolean {
    return this.disposedFlag;
  }

  /** The same project (state, stacks, secrets) run from another folder, e.g. a copy of `dir`. */
  withDir(dir: string): PulumiProject {
    return new PulumiProject(dir, this.root, this.env, { secrets: this.secrets, stacks: this.stacks });
  }

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

  /** `extraEnv` values that are `undefined` remove the variable (e.g. a credential the test shell may have). */
  private async spawnEnv(extraEnv: Record<string, string | undefined>): Promise<{ binDir: string; env: NodeJS.ProcessEnv }> {
    const binDir = await pulumiBinDir();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...this.env,
      ...extraEnv,
      PATH: [binDir, join(REPO_ROOT, "node_modules", ".bin"), process.env.PATH ?? ""].join(":"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_HOME: join(this.root, "pulumi-home"),
      // The program's hash cache stays with this test project, not in the user's ~/.cache.
      WFP_ASSETS_HASH_CACHE: join(this.root, "hash-cache"),
      NO_COLOR: "1",
    };
    for (const [key, value] of Object.entries(extraEnv)) if (value === undefined) delete env[key];
    return { binDir, env };
  }

  private collect(child: ChildProcess, args: string[]): { output: () => string; exited: Promise<RunResult> } {
    let stdout = "";
    let stderr = "";
    let output = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      output += chunk;
    });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      output += chunk;
    });
    const exited = new Promise<RunResult>((resolvePromise, reject) => {
      child.on("error", reject);
      child.on("close", (code) => {
        try {
          assertNoSecretLeaks(`\`${this.label(args)}\``, output, this.secrets);
          resolvePromise({ code, stdout, stderr, output });
        } catch (leak) {
          reject(leak);
        }
      });
    });
    return { output: () => output, exited };
  }

  /** The command for messages, with registered secrets (say, a `config set --secret` value) masked. */
  private label(args: string[]): string {
    return ["pulumi", ...args.map((arg) => (this.secrets.has(arg) ? "[secret]" : arg))].join(" ");
  }

  /** Runs pulumi to the end. Rejects (SecretLeakError) when its output holds a registered secret or a JWT. */
  async pulumi(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<RunResult> {
    const { binDir, env } = await this.spawnEnv(extraEnv);
    const child = spawn(join(binDir, "pulumi"), [...args, "--non-interactive", "--color", "never"], { cwd: this.dir, env });
    return this.collect(child, args).exited;
  }

  /**
   * Starts pulumi in the background, in a process group of its own like a CI job's shell, so a test can kill it
   * mid-way (`killTree`) and watch its output meanwhile.
   */
  async start(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<RunningPulumi> {
    const { binDir, env } = await this.spawnEnv(extraEnv);
    const child = spawn(join(binDir, "pulumi"), [...args, "--non-interactive", "--color", "never"], { cwd: this.dir, env, detached: true });
    const { output, exited } = this.collect(child, args);
    return { pid: child.pid!, output, exited, killTree: () => killProcessTree(child.pid!) };
  }

  /** Runs pulumi and fails with its whole output when it exits non-zero. */
  async ok(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<RunResult> {
    const result = await this.pulumi(args, extraEnv);
    if (result.code !== 0) throw new Error(`${this.label(args)} exited ${result.code}:\n${result.output}`);
    return result;
  }

  async initStack(name = "dev", config: Record<string, string> = {}, secrets: Record<string, string> = {}): Promise<void> {
    await this.ok(["stack", "init", name]);
    this.stacks.add(name);
    for (const [key, value] of Object.entries(config)) await this.ok(["config", "set", key, value]);
    for (const [key, value] of Object.entries(secrets)) await this.ok(["config", "set", "--secret", key, value]);
  }

  async exportStack(): Promise<string> {
    return (await this.ok(["stack", "export", "--show-secrets=false"])).stdout;
  }

  /**
   * Exports every stack made by `initStack` (the output check of `pulumi()` rejects any registered secret or
   * JWT in it) and also checks that each dynamic resource still carries its serialized provider, so a clean
   * result means "the provider text was looked at", not "there was nothing to look at". Returns the
   * deployments by stack name.
   */
  async checkStateForSecrets(): Promise<Record<string, ExportedDeployment>> {
    const deployments: Record<string, ExportedDeployment> = {};
    for (const stack of this.stacks) {
      const exported = JSON.parse((await this.ok(["stack", "export", "--show-secrets=false", "--stack", stack])).stdout) as {
        deployment?: ExportedDeployment;
      };
      const deployment = exported.deployment ?? {};
      for (const resource of deployment.resources ?? []) {
        if (!resource.type.startsWith("pulumi-nodejs:dynamic/")) continue;
        const provider = resource.outputs?.__provider ?? resource.inputs?.__provider;
        if (typeof provider !== "string" || !provider.includes("exports.handler")) {
          throw new Error(`${resource.urn} in stack ${stack} has no serialized provider to check`);
        }
      }
      deployments[stack] = deployment;
    }
    return deployments;
  }

  /**
   * Replaces the `config:` block of Pulumi.<stack>.yaml with plain values (objects become structured config),
   * keeping the passphrase salt: one file write instead of a `pulumi config set` run per key. Secret values
   * set earlier are dropped, so pass credentials through the environment in tests that use this.
   */
  async writeStackConfig(values: Record<string, unknown>, stack = "dev"): Promise<void> {
    const file = join(this.dir, `Pulumi.${stack}.yaml`);
    const kept: string[] = [];
    let inConfig = false;
    for (const line of (await readFile(file, "utf8")).split("\n")) {
      if (/^\S/.test(line)) inConfig = line.startsWith("config:");
      if (!inConfig && line.trim() !== "") kept.push(line);
    }
    const config = Object.fromEntries(
      Object.entries(values)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => [key, typeof value === "object" && value !== null ? value : String(value)]),
    );
    // JSON is YAML (flow style), so no YAML writer is needed.
    await writeFile(file, `${kept.join("\n")}\nconfig: ${JSON.stringify(config)}\n`);
  }

  async dispose(): Promise<void> {
    this.disposedFlag = true;
    await rm(this.root, { recursive: true, force: true });
  }
}
