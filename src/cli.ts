#!/usr/bin/env node
/**
 * `wfp-assets` — one binary, one subcommand per job. Each subcommand lives in src/cli/<name>-command.ts
 * and exports `run(argv) → exit code`, so the dispatcher stays free of any subcommand's dependencies.
 */
const commands: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  manifest: {
    summary: "print the asset manifest of a directory",
    load: () => import("./cli/manifest-command.js"),
  },
  deploy: {
    summary: "upload a directory to a user worker (namespace or account script)",
    load: () => import("./cli/deploy-command.js"),
  },
  emulator: {
    summary: "run the local Cloudflare API emulator",
    load: () => import("./cli/emulator-command.js"),
  },
  orphans: {
    summary: "list (and delete) scripts a stack's owner tag marks but the stack no longer declares",
    load: () => import("./cli/orphans-command.js"),
  },
  contract: {
    summary: "check the emulator, or your Cloudflare account, against Cloudflare's documented API",
    load: () => import("./cli/contract-command.js"),
  },
};

function usage(): string {
  const lines = ["usage: wfp-assets <command> [options]", "", "commands:"];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push("", "Run `wfp-assets <command> --help` for a command's options.");
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage() + "\n");
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`wfp-assets: unknown command "${name}".\n\n${usage()}\n`);
    return 2;
  }
  return (await command.load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`wfp-assets: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
