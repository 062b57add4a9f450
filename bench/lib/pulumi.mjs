// The real Pulumi CLI on throwaway projects, set up as test/e2e/pulumi-project.ts does: the pinned CLI from
// scripts/pulumi.mjs, a file:// backend, a passphrase, no update checks, no plugin downloads, Node 24 first on
// PATH, and node_modules linked to the repository's packages (plus the repository as `pulumi-wfp-assets`).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { runTimed, watchPeakRss } from "./processes.mjs";

let binDir;

/** The pinned CLI's bin dir; the first call may build it (minutes; cached in ~/.cache afterwards). */
export function pulumiBinDir(repoRoot, node) {
  binDir ??= execFileSync(node, [path.join(repoRoot, "scripts", "pulumi.mjs"), "--print-bin-dir"], { encoding: "utf8", maxBuffer: 1 << 20 })
    .trim()
    .split("\n")
    .at(-1);
  return binDir;
}

/** What each engine-side Node process is: the dynamic provider plugin, and the program run by the language host. */
export const PULUMI_NODE_PROCESSES = {
  provider: /^\S*node \S*[/\\]cmd[/\\]dynamic-provider[/\\]index\.js/,
  program: /^\S*node \S*[/\\]cmd[/\\]run[/\\]index\.js/,
};

const TYPESCRIPT_PROJECT = (name) => `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`;

export class PulumiProject {
  constructor(root, dir, env) {
    this.root = root;
    this.dir = dir;
    this.env = env;
  }

  /**
   * A project under `root` (which must exist and be empty-ish): `root/project` with `program` as index.ts,
   * `root/state` as the backend. `env` reaches every pulumi run (and so the program and the provider).
   */
  static create({ repoRoot, node, root, name, program, env = {} }) {
    const dir = path.join(root, "project");
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(path.join(root, "state"), { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), TYPESCRIPT_PROJECT(name));
    fs.writeFileSync(path.join(dir, "index.ts"), program);
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, private: true }, null, 2));
    const modules = path.join(dir, "node_modules");
    fs.mkdirSync(modules);
    for (const entry of fs.readdirSync(path.join(repoRoot, "node_modules"))) {
      if (entry === ".bin" || entry === ".package-lock.json" || entry === "pulumi-wfp-assets") continue;
      fs.symlinkSync(path.join(repoRoot, "node_modules", entry), path.join(modules, entry));
    }
    fs.symlinkSync(repoRoot, path.join(modules, "pulumi-wfp-assets"));
    const bin = pulumiBinDir(repoRoot, node);
    return new PulumiProject(root, dir, {
      ...process.env,
      ...env,
      PATH: [bin, path.join(repoRoot, "node_modules", ".bin"), process.env.PATH ?? ""].join(path.delimiter),
      PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "bench-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_HOME: path.join(root, "pulumi-home"),
      // The program's hash cache (src/manifest/hash-cache.ts) lives with the stack, not in ~/.cache.
      WFP_ASSETS_HASH_CACHE: path.join(root, "hash-cache"),
      NO_COLOR: "1",
      ...env,
    });
  }

  /**
   * Runs `pulumi <args>` and fails with its output on a non-zero exit. With `watchRss`, also polls the peak RSS of
   * the dynamic provider and program processes it starts (`peaks.provider.peakMiB`, `peaks.program.peakMiB`).
   */
  async run(args, { watchRss = false, allowFailure = false, onSpawn } = {}) {
    let child;
    const watcher = watchRss ? watchPeakRss(() => child?.pid, PULUMI_NODE_PROCESSES, 100) : undefined;
    const result = await runTimed(path.join(binDir, "pulumi"), [...args, "--non-interactive", "--color", "never"], {
      cwd: this.dir,
      env: this.env,
      onSpawn: (spawned) => {
        child = spawned;
        onSpawn?.(spawned);
      },
    });
    if (watcher) result.peaks = watcher.stop();
    if (result.code !== 0 && !allowFailure) {
      throw new Error(`pulumi ${args.join(" ")} exited ${result.code} in ${this.dir}:\n${result.output.slice(-4000)}`);
    }
    return result;
  }

  /** The same project and stack, run with some variables changed. */
  withEnv(extra) {
    return new PulumiProject(this.root, this.dir, { ...this.env, ...extra });
  }

  initStack(stack = "bench") {
    return this.run(["stack", "init", stack]);
  }

  async outputs() {
    return JSON.parse((await this.run(["stack", "output", "--json"])).stdout);
  }

  /** `pulumi stack export` as a user would run it: its byte length is what "state size" means here. */
  async exportState() {
    return (await this.run(["stack", "export"])).stdout;
  }
}

/** The single-site program: one UserWorkerAssets in a dispatch namespace, all settings from the environment. */
export const SITE_PROGRAM = `import { UserWorkerAssets } from "pulumi-wfp-assets";

const site = new UserWorkerAssets("site", {
  accountId: process.env.BENCH_ACCOUNT!,
  namespace: process.env.BENCH_NAMESPACE!,
  scriptName: process.env.BENCH_SCRIPT!,
  directory: process.env.BENCH_SITE_DIR!,
  maxFiles: 100000,
});
export const fileCount = site.fileCount;
export const uploadedFiles = site.uploadedFiles;
export const etag = site.etag;
`;

/** A stack with no resources: the baseline of a preview (CLI start, language host, Node and TypeScript start). */
export const EMPTY_PROGRAM = `import * as pulumi from "@pulumi/pulumi";

export const stackName = pulumi.getStack();
`;
