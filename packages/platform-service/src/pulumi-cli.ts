/**
 * The Pulumi CLI the Automation API drives: PLATFORM_PULUMI_ROOT (a folder holding bin/pulumi and the
 * bundled plugins), or else the CLI this repository pins and builds (`scripts/pulumi.mjs --print-bin-dir`;
 * the first call may build it, minutes, cached afterwards).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { ConfigError } from "./config.ts";

export interface PulumiCli {
  command: PulumiCommand;
  binDir: string;
}

export async function findPulumiCli(configuredRoot: string | undefined, repoRoot: string): Promise<PulumiCli> {
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
  return { command: await PulumiCommand.get({ root }), binDir };
}
