// The real Pulumi CLI on throwaway projects: the shared project fixture (test/fixtures/pulumi-project.mts, the one
// the e2e tests use: pinned CLI, file:// backend, passphrase, no update checks or plugin downloads, Node 24, and
// node_modules from an `npm install` of the packed package, as a user has it), run through runTimed so each run is
// timed with its CPU time and peak RSS.
import { PulumiProject as SharedProject } from "./fixtures.mjs";
import { runTimed, watchPeakRss } from "./processes.mjs";

/**
 * What each process of a run is: the dynamic provider plugin and the program run by the language host (the two Node
 * processes), and the CLI itself (`engine`: the engine, its checkpoints and its automatic log run in it).
 */
export const PULUMI_NODE_PROCESSES = {
  provider: /^\S*node \S*[/\\]cmd[/\\]dynamic-provider[/\\]index\.js/,
  program: /^\S*node \S*[/\\]cmd[/\\]run[/\\]index\.js/,
  engine: /^\S*[/\\]pulumi (up|preview|refresh|destroy|import)\b/,
};

export class PulumiProject {
  constructor(project) {
    this.project = project;
  }

  /**
   * A TypeScript project (or with `language: "js"`, JavaScript) under `root` (an existing scratch folder):
   * `root/project` with `program` as index.ts (index.js),
   * `root/state` as the backend. `env` reaches every pulumi run (and so the program and the provider). The first
   * call of a bench run packs and installs the package (about 10 s, shared by every later project).
   */
  static async create({ root, name, program, env = {}, language }) {
    return new PulumiProject(await SharedProject.create({ root, name, program, env, language }));
  }

  get dir() {
    return this.project.dir;
  }

  /** The folder holding the project, its file:// state (`root/state`) and its PULUMI_HOME (`root/pulumi-home`). */
  get root() {
    return this.project.root;
  }

  /**
   * Runs `pulumi <args>` and fails with its output on a non-zero exit. With `watchRss`, also polls the peak RSS of
   * the dynamic provider and program processes it starts (`peaks.provider.peakMiB`, `peaks.program.peakMiB`).
   * `onLine(text, secondsSinceStart)` sees each output line as it arrives.
   */
  async run(args, { watchRss = false, allowFailure = false, onSpawn, onLine } = {}) {
    const command = await this.project.command(args);
    let child;
    const watcher = watchRss ? watchPeakRss(() => child?.pid, PULUMI_NODE_PROCESSES, 100) : undefined;
    const result = await runTimed(command.file, command.args, {
      cwd: command.cwd,
      env: command.env,
      onLine,
      onSpawn: (spawned) => {
        child = spawned;
        onSpawn?.(spawned);
      },
    });
    if (watcher) result.peaks = watcher.stop();
    if (result.code !== 0 && !allowFailure) {
      throw new Error(`${this.project.label(args)} exited ${result.code} in ${this.dir}:\n${result.output.slice(-4000)}`);
    }
    return result;
  }

  /** The same project and stack, run with some variables changed. */
  withEnv(extra) {
    return new PulumiProject(this.project.withEnv(extra));
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
});
export const fileCount = site.fileCount;
export const uploadedFiles = site.uploadedFiles;
export const etag = site.etag;
`;

/** A stack with no resources: the baseline of a preview (CLI start, language host, Node and TypeScript start). */
export const EMPTY_PROGRAM = `import * as pulumi from "@pulumi/pulumi";

export const stackName = pulumi.getStack();
`;
