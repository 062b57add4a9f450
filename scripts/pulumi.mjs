// Runs the Pulumi CLI this project is pinned to, for people (`npm run pulumi -- <args>`), tests and the demo.
//
//   node scripts/pulumi.mjs <pulumi args>   run pulumi (stdio inherited, exit code forwarded)
//   node scripts/pulumi.mjs --ensure         only make sure a CLI exists (may build it)
//   node scripts/pulumi.mjs --print-bin-dir  print the directory holding pulumi and its plugins
//
// The CLI is a `pulumi` on PATH that reports the @pulumi/pulumi version pinned in package.json (devDependencies) (with
// pulumi-language-nodejs, pulumi-resource-pulumi-nodejs and the YAML and Go hosts available), or else the build that
// scripts/build-pulumi-cli.sh keeps in the cache.
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { homedir, constants as osConstants } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pinnedVersion = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).devDependencies[
  "@pulumi/pulumi"
];
const cacheRoot =
  process.env.PULUMI_WFP_CACHE ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "pulumi-wfp-assets");
// The engine starts plugins from these bins; the project's node_modules/.bin holds Node 24, which must be
// the `node` that runs the program and the dynamic provider. The YAML and Go hosts run the component package's
// consumer programs (test/e2e/components-*.e2e.test.ts); a `pulumi` without them is not the one the build makes.
const requiredPlugins = ["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs", "pulumi-language-yaml", "pulumi-language-go"];

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name, searchPath = process.env.PATH ?? "") {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir !== "" && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** The bin dir of a suitable `pulumi` already on PATH, or undefined. */
function binDirOfPathCli() {
  const cli = findOnPath("pulumi");
  if (cli === undefined) return undefined;
  const version = spawnSync(cli, ["version"], { encoding: "utf8", env: withDefaults(process.env) });
  if (version.status !== 0 || version.stdout.trim() !== `v${pinnedVersion}`) return undefined;
  const binDir = path.dirname(cli);
  // The engine looks for bundled plugins next to the CLI and on PATH.
  const pluginsFound = requiredPlugins.every(
    (plugin) => isExecutable(path.join(binDir, plugin)) || findOnPath(plugin) !== undefined,
  );
  return pluginsFound ? binDir : undefined;
}

/** Defaults that keep the CLI offline and away from ~/.pulumi, unless the caller set them. */
function withDefaults(env) {
  return {
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_HOME: path.join(cacheRoot, "pulumi-home"),
    ...env,
  };
}

/**
 * True when this process is in the terminal's foreground process group. A Ctrl-C (SIGINT) or hang-up
 * (SIGHUP) from the terminal then reaches the child directly, and forwarding it would deliver it twice,
 * which pulumi treats as "terminate immediately" instead of a graceful cancel.
 */
function signalledByTerminal() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after "(comm) ": state ppid pgrp session tty_nr tpgid …
    const [, , pgrp, , , tpgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return pgrp === tpgid;
  } catch {
    return process.stdin.isTTY === true; // no /proc: assume an interactive terminal means Ctrl-C
  }
}

/**
 * Runs a child, forwarding SIGTERM always and SIGINT/SIGHUP unless they came from the terminal (see
 * signalledByTerminal); resolves with its exit status and captured stdout (when piped).
 */
function runChild(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, options);
    const forward = (signal) => {
      if (signal === "SIGTERM" || !signalledByTerminal()) child.kill(signal);
    };
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
    for (const signal of signals) process.on(signal, forward);
    const stopForwarding = () => {
      for (const signal of signals) process.off(signal, forward);
    };
    let stdout = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    child.on("error", (error) => {
      stopForwarding();
      reject(error);
    });
    child.on("close", (code, signal) => {
      stopForwarding();
      resolve({ code, signal, stdout });
    });
  });
}

function exitCodeOf({ code, signal }) {
  return signal === null ? (code ?? 1) : 128 + (osConstants.signals[signal] ?? 0);
}

/** Makes sure a CLI exists and returns its bin dir; exits with the build's exit code if it fails. */
async function ensureCli() {
  const fromPath = binDirOfPathCli();
  if (fromPath !== undefined) return fromPath;
  const script = path.join(repoRoot, "scripts", "build-pulumi-cli.sh");
  const build = await runChild("bash", [script], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, PULUMI_WFP_CACHE: cacheRoot },
  });
  const binDir = build.stdout.trim().split("\n").at(-1);
  const code = exitCodeOf(build);
  if (code !== 0 || !binDir) {
    const outcome = code > 128 ? "was stopped" : "failed";
    console.error(`pulumi.mjs: building the Pulumi CLI ${outcome} (bash ${path.relative(repoRoot, script)})`);
    process.exit(code || 1);
  }
  return binDir;
}

async function main(args) {
  const binDir = await ensureCli();
  if (args[0] === "--ensure") return 0;
  if (args[0] === "--print-bin-dir") {
    console.log(binDir);
    return 0;
  }
  const searchPath = [binDir, path.join(repoRoot, "node_modules", ".bin"), process.env.PATH ?? ""].join(
    path.delimiter,
  );
  const result = await runChild(path.join(binDir, "pulumi"), args, {
    stdio: "inherit",
    env: withDefaults({ ...process.env, PATH: searchPath }),
  });
  return exitCodeOf(result);
}

process.exitCode = await main(process.argv.slice(2));
