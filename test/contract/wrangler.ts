/**
 * Runs the pinned wrangler (the devDependency, node_modules/wrangler/bin/wrangler.js — Cloudflare's own client)
 * as a child process against an emulator, the way a user runs it: API base, token and account from the
 * environment, no telemetry, no update check, no user config (HOME and XDG_CONFIG_HOME are temp dirs).
 */
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "../..");
const WRANGLER = path.join(REPO_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

export interface WranglerRun {
  code: number | null;
  output: string;
}

export interface WranglerEnv {
  apiUrl: string;
  token: string;
  account: string;
  /** A temp dir used as HOME and XDG_CONFIG_HOME. */
  home: string;
}

/** `wrangler <args>` in `cwd`; resolves with the exit code and stdout+stderr (never rejects on a failed deploy). */
export async function runWrangler(args: string[], cwd: string, env: WranglerEnv, timeoutMs = 120_000): Promise<WranglerRun> {
  await mkdir(env.home, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: env.home,
        XDG_CONFIG_HOME: env.home,
        CLOUDFLARE_API_BASE_URL: env.apiUrl,
        CLOUDFLARE_API_TOKEN: env.token,
        CLOUDFLARE_ACCOUNT_ID: env.account,
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_SEND_ERROR_REPORTS: "false",
        WRANGLER_HIDE_BANNER: "true",
        CI: "true",
        NO_COLOR: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A wrangler project: wrangler.json (assets-only, or with `main` and an assets binding) and its files. */
export async function writeWranglerProject(
  dir: string,
  options: { name: string; assetsDirectory: string; main?: { file: string; code: string; assetsBinding: string } },
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const config: Record<string, unknown> = { name: options.name, compatibility_date: "2025-06-01", assets: { directory: options.assetsDirectory } };
  if (options.main) {
    config.main = options.main.file;
    (config.assets as Record<string, unknown>).binding = options.main.assetsBinding;
    await mkdir(path.dirname(path.join(dir, options.main.file)), { recursive: true });
    await writeFile(path.join(dir, options.main.file), options.main.code);
  }
  await writeFile(path.join(dir, "wrangler.json"), `${JSON.stringify(config, null, 2)}\n`);
}
