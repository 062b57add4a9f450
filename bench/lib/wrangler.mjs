// Wrangler (the reference client, a devDependency) run as a user runs it, against the emulator: an assets-only
// Worker (wrangler.json with `assets.directory` and no `main`) deployed into a dispatch namespace.
import fs from "node:fs";
import path from "node:path";
import { runTimed } from "./processes.mjs";

/** The log lines wrangler prints right before and right after building its asset manifest (walk + hash). */
const MANIFEST_START = "Building list of assets";
const MANIFEST_END = "Starting asset upload";
/** wrangler's own figure for the upload step: "✨ Success! Uploaded 20000 files (7.08 sec)". */
const UPLOADED = /Uploaded (\d+) files? \(([\d.]+) sec\)/;

export function wranglerVersion(repoRoot) {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules", "wrangler", "package.json"), "utf8")).version;
}

function wranglerEnv({ apiUrl, token, account, home }) {
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: home,
    CLOUDFLARE_API_BASE_URL: apiUrl,
    CLOUDFLARE_API_TOKEN: token,
    CLOUDFLARE_ACCOUNT_ID: account,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    WRANGLER_HIDE_BANNER: "true",
    CI: "true",
    NO_COLOR: "1",
  };
}

/** A project folder holding only wrangler.json; the asset directory is given by absolute path. */
export function writeWranglerProject(projectDir, { scriptName, assetsDirectory }) {
  fs.mkdirSync(projectDir, { recursive: true });
  const config = { name: scriptName, compatibility_date: "2025-06-01", assets: { directory: assetsDirectory } };
  fs.writeFileSync(path.join(projectDir, "wrangler.json"), `${JSON.stringify(config, null, 2)}\n`);
}

/**
 * `wrangler deploy --dispatch-namespace NS` in `projectDir`, timed from spawn to exit. `manifestSeconds` is the
 * time between wrangler's "Building list of assets" and "Starting asset upload" lines: exactly its
 * buildAssetManifest call (nothing else runs between them). With `stopAfterManifest`, wrangler is killed as soon
 * as the manifest is built (no request reaches the API), which is how the manifest benchmark times that step.
 */
export async function wranglerDeploy({ repoRoot, node, projectDir, namespace, apiUrl, token, account, home, stopAfterManifest = false }) {
  let manifestStart;
  let manifestEnd;
  const script = stopAfterManifest
    ? path.join(repoRoot, "node_modules", "wrangler", "wrangler-dist", "cli.js") // the real CLI, so the kill reaches it
    : path.join(repoRoot, "node_modules", "wrangler", "bin", "wrangler.js"); // what `npx wrangler` runs
  fs.mkdirSync(home, { recursive: true });
  const result = await runTimed(node, [script, "deploy", "--dispatch-namespace", namespace], {
    cwd: projectDir,
    env: wranglerEnv({ apiUrl, token, account, home }),
    rusage: !stopAfterManifest,
    onLine(line, at, child) {
      if (manifestStart === undefined && line.includes(MANIFEST_START)) manifestStart = at;
      if (manifestEnd === undefined && line.includes(MANIFEST_END)) {
        manifestEnd = at;
        if (stopAfterManifest) child.kill("SIGKILL");
      }
    },
  });
  const uploaded = UPLOADED.exec(result.output);
  const completed = !stopAfterManifest && result.code === 0;
  if (!completed && !(stopAfterManifest && manifestEnd !== undefined)) {
    throw new Error(`wrangler deploy failed (exit ${result.code ?? result.signal}):\n${result.output.slice(-3000)}`);
  }
  return {
    seconds: result.seconds,
    cpuSeconds: result.cpuSeconds,
    maxRssMiB: result.maxRssMiB,
    manifestSeconds: manifestStart !== undefined && manifestEnd !== undefined ? manifestEnd - manifestStart : undefined,
    startupSeconds: manifestStart,
    uploadedFiles: uploaded ? Number(uploaded[1]) : undefined,
    uploadSecondsReported: uploaded ? Number(uploaded[2]) : undefined,
    output: result.output,
  };
}
