import { parseArgs } from "node:util";
import { CloudflareClient, resolveCloudflareConfig, resolveTransportSettings, TransportSettingError, type TransportSettings } from "../cloudflare/index.js";
import { buildManifest } from "../manifest/index.js";
import { deployAssets, formatDeployEvent, InvalidDeployRequestError, loadWorkerModules, validateDeployRequest } from "../deploy/index.js";
import type { AssetConfig, DeployRequest, HtmlHandling, NotFoundHandling, WorkerSpec } from "../deploy/index.js";
import { parseMaxFilesFlag } from "./max-files-flag.js";

const HELP = `usage: wfp-assets deploy <dir> --account ID --script NAME [--namespace NS] [options]

Uploads <dir> as the static assets of a user worker in a dispatch namespace (or, without
--namespace, of an account worker), then attaches them with one script PUT.

options:
  --account ID              Cloudflare account id (32 hex)
  --namespace NS            dispatch namespace; omit for an account-level worker
  --script NAME             script (user worker) name
  --main FILE               worker main module (ES module); omit for an assets-only worker
  --module FILE             additional worker module (repeatable), named relative to --main's folder
  --assets-binding NAME     expose the assets to the worker as env.NAME
  --compatibility-date D    YYYY-MM-DD
  --compatibility-flag F    repeatable
  --html-handling H         auto-trailing-slash | force-trailing-slash | drop-trailing-slash | none
  --not-found-handling N    none | 404-page | single-page-application
  --run-worker-first R      true, false, or a rule such as "/api/*" (repeatable)
  --tag T                   script tag (repeatable, at most 8)
  --ignore P                extra ignore pattern, gitignore syntax (repeatable)
  --salt S                  hash salt for tenant isolation
  --max-files N             file limit (default 100000, the most Cloudflare allows; 20000 for an account
                            script on the Free plan)
  --json                    print the result as JSON

transport (defaults in parentheses; each also reads its WFP_ASSETS_* variable, see README "Configuration"):
  --api-budget B            pace API calls below <calls>/<window>, e.g. 1200/5m, or off (1200/300)
  --idle-timeout D          fail a request after D without a byte moving, e.g. 90s (120s)
  --request-timeout D       cap on one whole request, or off (off)
  --retry-attempts N        tries per request, the first included (5)
  --upload-concurrency N    buckets in flight (3)
  --rate-limit-wait D       longest wait for a rate limit (429) before failing (6m)

credentials: CLOUDFLARE_API_TOKEN, or CLOUDFLARE_API_KEY + CLOUDFLARE_EMAIL;
API base: CLOUDFLARE_API_BASE_URL (e.g. the emulator's http://127.0.0.1:8787/client/v4).
`;

/** Transport flags and the setting each sets (src/cloudflare/transport-settings.ts). */
const TRANSPORT_FLAGS = {
  "api-budget": "apiBudget",
  "idle-timeout": "idleTimeout",
  "request-timeout": "requestTimeout",
  "retry-attempts": "retryAttempts",
  "upload-concurrency": "uploadConcurrency",
  "rate-limit-wait": "rateLimitWait",
} as const;

const TRANSPORT_OPTIONS = Object.fromEntries(Object.keys(TRANSPORT_FLAGS).map((flag) => [flag, { type: "string" }])) as {
  [flag in keyof typeof TRANSPORT_FLAGS]: { type: "string" };
};

const OPTIONS = {
  account: { type: "string" },
  namespace: { type: "string" },
  script: { type: "string" },
  main: { type: "string" },
  module: { type: "string", multiple: true },
  "assets-binding": { type: "string" },
  "compatibility-date": { type: "string" },
  "compatibility-flag": { type: "string", multiple: true },
  "html-handling": { type: "string" },
  "not-found-handling": { type: "string" },
  "run-worker-first": { type: "string", multiple: true },
  tag: { type: "string", multiple: true },
  ignore: { type: "string", multiple: true },
  salt: { type: "string" },
  "max-files": { type: "string" },
  json: { type: "boolean" },
  ...TRANSPORT_OPTIONS,
  help: { type: "boolean", short: "h" },
} as const;

/** The flags as parseArgs returns them. */
export type DeployFlags = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>["values"];

/** What the command line asks for: help, a usage error, or a deploy of one directory. */
export type DeployCommandLine = { kind: "help" } | { kind: "usage"; message: string } | { kind: "deploy"; directory: string; flags: DeployFlags; maxFiles?: number };

/** The command line's decision, before any file is read: which flags are missing or contradict each other. */
export function parseDeployCommandLine(argv: string[]): DeployCommandLine {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (error) {
    return { kind: "usage", message: (error as Error).message };
  }
  const { values: flags, positionals } = parsed;
  if (flags.help) return { kind: "help" };
  const usage = (message: string): DeployCommandLine => ({ kind: "usage", message });
  const [directory, ...extra] = positionals;
  if (!directory || extra.length > 0) return usage("give exactly one directory to deploy.");
  if (!flags.account) return usage("--account is required (your Cloudflare account id).");
  if (!flags.script) return usage("--script is required (the user worker's name).");
  if (flags.module?.length && !flags.main) return usage("--module needs --main (the worker's main module).");
  if (flags["assets-binding"] && !flags.main) return usage("--assets-binding needs --main: an assets-only worker has no code to bind the assets to.");
  if (flags["max-files"] === undefined) return { kind: "deploy", directory, flags };
  const maxFiles = parseMaxFilesFlag(flags["max-files"]);
  return "problem" in maxFiles ? usage(maxFiles.problem) : { kind: "deploy", directory, flags, maxFiles: maxFiles.value };
}

/** `--run-worker-first`: a lone "true"/"false" is the boolean, anything else a list of route rules. */
export function runWorkerFirstOf(rules: readonly string[] | undefined): boolean | string[] | undefined {
  if (!rules?.length) return undefined;
  return rules.length === 1 && (rules[0] === "true" || rules[0] === "false") ? rules[0] === "true" : [...rules];
}

/** The asset config the flags set (checked against the rules with the rest of the request). */
export function assetConfigOf(flags: DeployFlags): AssetConfig {
  const assetConfig: AssetConfig = {};
  if (flags["html-handling"]) assetConfig.htmlHandling = flags["html-handling"] as HtmlHandling;
  if (flags["not-found-handling"]) assetConfig.notFoundHandling = flags["not-found-handling"] as NotFoundHandling;
  const runWorkerFirst = runWorkerFirstOf(flags["run-worker-first"]);
  if (runWorkerFirst !== undefined) assetConfig.runWorkerFirst = runWorkerFirst;
  return assetConfig;
}

/** The deploy request the flags describe, besides its files (the worker's modules are read by the caller). */
export function deploySettingsOf(flags: DeployFlags & { account: string; script: string }, worker: WorkerSpec | undefined): Omit<DeployRequest, "assets"> {
  return {
    target: { accountId: flags.account, namespace: flags.namespace, scriptName: flags.script },
    worker,
    assetConfig: assetConfigOf(flags),
    compatibilityDate: flags["compatibility-date"],
    compatibilityFlags: flags["compatibility-flag"],
    tags: flags.tag,
    hashSalt: flags.salt,
  };
}

/** The transport settings from the flags and the environment, or the problem in flag terms. */
export function transportOf(flags: DeployFlags, env: NodeJS.ProcessEnv): { transport: TransportSettings } | { problem: string } {
  const input = Object.fromEntries(
    Object.entries(TRANSPORT_FLAGS).flatMap(([flag, key]) => {
      const value = (flags as Record<string, unknown>)[flag];
      return typeof value === "string" ? [[key, value]] : [];
    }),
  );
  try {
    return { transport: resolveTransportSettings({ input, env }) };
  } catch (error) {
    if (!(error instanceof TransportSettingError)) throw error;
    return { problem: inFlagTerms(error.message) };
  }
}

/** The request's problems under the rules the provider and tenant.json apply (src/rules), in flag terms; none = []. */
export function requestProblems(settings: Omit<DeployRequest, "assets">): string[] {
  try {
    validateDeployRequest(settings);
    return [];
  } catch (error) {
    if (!(error instanceof InvalidDeployRequestError)) throw error;
    return error.problems.map(inFlagTerms);
  }
}

async function workerOf(flags: DeployFlags): Promise<WorkerSpec | undefined> {
  if (!flags.main) return undefined;
  const { mainModule, modules } = await loadWorkerModules(flags.main, flags.module);
  return {
    mainModule,
    modules,
    compatibilityDate: flags["compatibility-date"],
    compatibilityFlags: flags["compatibility-flag"],
    assetsBinding: flags["assets-binding"],
  };
}

export async function run(argv: string[]): Promise<number> {
  const commandLine = parseDeployCommandLine(argv);
  const usage = (message: string): number => {
    process.stderr.write(`wfp-assets deploy: ${message}\n\n${HELP}`);
    return 2;
  };
  if (commandLine.kind === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  if (commandLine.kind === "usage") return usage(commandLine.message);
  const { directory, flags, maxFiles } = commandLine;
  const settings = deploySettingsOf({ ...flags, account: flags.account!, script: flags.script! }, await workerOf(flags));
  // Every rule is checked before any file is hashed or any request sent.
  const problems = requestProblems(settings);
  if (problems.length > 0) return usage(`invalid options:\n  ${problems.join("\n  ")}`);
  const transport = transportOf(flags, process.env);
  if ("problem" in transport) return usage(transport.problem);

  const assets = await buildManifest(directory, { ignore: flags.ignore, hashSalt: flags.salt, maxFiles });
  const { baseUrl, credentials } = resolveCloudflareConfig();
  const client = new CloudflareClient({ baseUrl, credentials, transport: transport.transport });
  try {
    const result = await deployAssets(client, { ...settings, assets }, {
      onProgress: flags.json ? undefined : (event) => process.stderr.write(`${formatDeployEvent(event)}\n`),
    });
    if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`deployed ${flags.script}: etag ${result.script.etag}, ${result.fileCount} files\n`);
    return 0;
  } finally {
    await client.close();
  }
}


/** A request setting as the flag that sets it, so the message names what the user typed. */
const FLAG_OF_SETTING: Array<[RegExp, string]> = [
  [/^accountId\b/, "--account"],
  [/^namespace\b/, "--namespace"],
  [/^scriptName\b/, "--script"],
  [/^assetConfig\.htmlHandling\b/, "--html-handling"],
  [/^assetConfig\.notFoundHandling\b/, "--not-found-handling"],
  [/^assetConfig\.runWorkerFirst(\.\d+)?\b/, "--run-worker-first"],
  [/^(worker\.)?compatibilityDate\b/, "--compatibility-date"],
  [/^(worker\.)?compatibilityFlags(\.\d+)?\b/, "--compatibility-flag"],
  [/^tags(\.\d+)?\b/, "--tag"],
  [/^hashSalt\b/, "--salt"],
  [/^worker\.assetsBinding\b/, "--assets-binding"],
  [/^worker\.mainModule\b/, "--main"],
];

function inFlagTerms(problem: string): string {
  for (const [setting, flag] of FLAG_OF_SETTING) if (setting.test(problem)) return problem.replace(setting, flag);
  for (const [flag, key] of Object.entries(TRANSPORT_FLAGS)) if (problem.includes(`\`${key}\``)) return problem.replace(`\`${key}\``, `--${flag}`);
  return problem;
}
