/**
 * The Pulumi CLI the Automation API drives: PLATFORM_PULUMI_ROOT (a folder holding bin/pulumi and the
 * bundled plugins), or else the CLI this repository pins and builds (`scripts/pulumi.mjs --print-bin-dir`;
 * the first call may build it, minutes, cached afterwards).
 *
 * On Linux the Automation API is given a wrapper instead (`<data>/pulumi-session/bin/pulumi`) that execs that
 * CLI under `setsid`, so each run is a session of its own that the fence can kill whole (pulumi-runs.ts).
 */
import { execFile } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { ConfigError } from "./config.ts";
import { canFence } from "./pulumi-runs.ts";

export interface PulumiCli {
  /** What the Automation API runs: the session wrapper where the fence works, else the CLI itself. */
  command: PulumiCommand;
  /** The real CLI's folder (its bundled plugins are there). */
  binDir: string;
  /** The wrapper's folder, when there is one (the Automation API puts it first on the runs' PATH). */
  wrapperBinDir: string | undefined;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** `setsid` (util-linux, or busybox) on PATH. */
function findSetsid(): string {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, "setsid");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }
  throw new ConfigError(
    "no `setsid` on PATH: the service starts every Pulumi CLI run in a session of its own (so a replica that loses its lease can stop it whole). Install util-linux (Debian/Ubuntu: it is essential; Alpine: apk add util-linux, or busybox's setsid).",
  );
}

/**
 * Writes `<wrapperRoot>/bin/pulumi`: `exec setsid <cli> "$@"`. The Automation API's child is never a process
 * group leader (it stays in the service's group), so setsid makes the session in place, without a fork: the
 * pid the Automation API waits on is the CLI's own, and so are its exit code and output.
 */
async function writeSessionWrapper(wrapperRoot: string, cli: string): Promise<string> {
  const binDir = path.join(wrapperRoot, "bin");
  await mkdir(binDir, { recursive: true });
  const file = path.join(binDir, "pulumi");
  const script = [
    "#!/bin/sh",
    "# Written by the platform service at start (packages/platform-service/src/pulumi-cli.ts): each Pulumi run in a",
    "# session of its own, so that it can be killed whole (src/pulumi-runs.ts).",
    `exec ${shellQuote(findSetsid())} ${shellQuote(cli)} "$@"`,
    "",
  ].join("\n");
  const temporary = `${file}.${process.pid}`;
  await writeFile(temporary, script, { mode: 0o755 });
  await chmod(temporary, 0o755);
  await rename(temporary, file);
  return binDir;
}

/** `wrapperRoot`: where the session wrapper is written (the service's data directory). */
export async function findPulumiCli(configuredRoot: string | undefined, repoRoot: string, wrapperRoot: string): Promise<PulumiCli> {
  let root = configuredRoot;
  if (root === undefined) {
    const script = path.join(repoRoot, "scripts", "pulumi.mjs");
    if (!existsSync(script)) {
      throw new ConfigError(`no Pulumi CLI: set PLATFORM_PULUMI_ROOT to the folder that holds bin/pulumi (${script} is not there to build one).`);
    }
    const { stdout } = await promisify(execFile)(process.execPath, [script, "--print-bin-dir"], { maxBuffer: 1 << 20 });
    const binDir = stdout.trim().split("\n").at(-1) ?? "";
    root = path.dirname(binDir);
  }
  const binDir = path.join(root, "bin");
  if (!existsSync(path.join(binDir, "pulumi"))) {
    throw new ConfigError(`no Pulumi CLI at ${binDir}/pulumi; PLATFORM_PULUMI_ROOT must be the folder that holds bin/pulumi.`);
  }
  if (!canFence()) return { command: await PulumiCommand.get({ root }), binDir, wrapperBinDir: undefined };
  const wrapperBinDir = await writeSessionWrapper(wrapperRoot, path.join(binDir, "pulumi"));
  return { command: await PulumiCommand.get({ root: wrapperRoot }), binDir, wrapperBinDir };
}
