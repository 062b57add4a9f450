import { parseArgs } from "node:util";
import { CloudflareClient, resolveCloudflareConfig, resolveTransportSettings, TransportSettingError, type TransportSettings } from "../cloudflare/index.js";
import { buildManifest } from "../manifest/index.js";
import { deployAssets, formatDeployEvent, InvalidDeployRequestError, loadWorkerModules, validateDeployRequest } from "../deploy/index.js";
import type { AssetConfig, DeployRequest, HtmlHandling, NotFoundHandling, WorkerSpec } from "../deploy/index.js";

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

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
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
        ...Object.fromEntries(Object.keys(TRANSPORT_FLAGS).map((flag) => [flag, { type: "string" as const }])),
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    process.stderr.write(`wfp-assets deploy: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const usage = (message: string): number => {
    process.stderr.write(`wfp-assets deploy: ${message}\n\n${HELP}`);
    return 2;
  };
  const [directory, ...extra] = positionals;
  if (!directory || extra.length > 0) return usage("give exactly one directory to deploy.");
  if (!values.account) return usage("--account is required (your Cloudflare account id).");
  if (!values.script) return usage("--script is required (the user worker's name).");
  if (values.module?.length && !values.main) return usage("--module needs --main (the worker's main module).");
  let maxFiles: number | undefined;
  if (values["max-files"] !== undefined) {
    maxFiles = Number(values["max-files"]);
    if (!Number.isInteger(maxFiles)) return usage(`--max-files "${values["max-files"]}" is not a whole number.`);
  }

  const assetConfig: AssetConfig = {};
  if (values["html-handling"]) assetConfig.htmlHandling = values["html-handling"] as HtmlHandling;
  if (values["not-found-handling"]) assetConfig.notFoundHandling = values["not-found-handling"] as NotFoundHandling;
  const rwf = values["run-worker-first"];
  if (rwf?.length) assetConfig.runWorkerFirst = rwf.length === 1 && (rwf[0] === "true" || rwf[0] === "false") ? rwf[0] === "true" : rwf;

  let worker: WorkerSpec | undefined;
  if (values.main) {
    const { mainModule, modules } = await loadWorkerModules(values.main, values.module);
    worker = {
      mainModule,
      modules,
      compatibilityDate: values["compatibility-date"],
      compatibilityFlags: values["compatibility-flag"],
      assetsBinding: values["assets-binding"],
    };
  } else if (values["assets-binding"]) {
    return usage("--assets-binding needs --main: an assets-only worker has no code to bind the assets to.");
  }

  const settings: Omit<DeployRequest, "assets"> = {
    target: { accountId: values.account, namespace: values.namespace, scriptName: values.script },
    worker,
    assetConfig,
    compatibilityDate: values["compatibility-date"],
    compatibilityFlags: values["compatibility-flag"],
    tags: values.tag,
    hashSalt: values.salt,
  };
  // The rules the provider and tenant.json apply (src/rules), before any file is hashed or any request sent.
  try {
    validateDeployRequest(settings);
  } catch (error) {
    if (!(error instanceof InvalidDeployRequestError)) throw error;
    return usage(`invalid options:\n  ${error.problems.map(inFlagTerms).join("\n  ")}`);
  }

  let transport: TransportSettings;
  try {
    const input = Object.fromEntries(
      Object.entries(TRANSPORT_FLAGS).flatMap(([flag, key]) => {
        const value = (values as Record<string, unknown>)[flag];
        return typeof value === "string" ? [[key, value]] : [];
      }),
    );
    transport = resolveTransportSettings({ input, env: process.env });
  } catch (error) {
    if (!(error instanceof TransportSettingError)) throw error;
    return usage(inFlagTerms(error.message));
  }

  const assets = await buildManifest(directory, { ignore: values.ignore, hashSalt: values.salt, maxFiles });
  const { baseUrl, credentials } = resolveCloudflareConfig();
  const client = new CloudflareClient({ baseUrl, credentials, transport });
  try {
    const result = await deployAssets(client, { ...settings, assets }, {
      onProgress: values.json ? undefined : (event) => process.stderr.write(`${formatDeployEvent(event)}\n`),
    });
    if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`deployed ${values.script}: etag ${result.script.etag}, ${result.fileCount} files\n`);
    return 0;
  } finally {
    await client.close();
  }
}

/** Transport flags and the setting each sets (src/cloudflare/transport-settings.ts). */
const TRANSPORT_FLAGS = {
  "api-budget": "apiBudget",
  "idle-timeout": "idleTimeout",
  "request-timeout": "requestTimeout",
  "retry-attempts": "retryAttempts",
  "upload-concurrency": "uploadConcurrency",
  "rate-limit-wait": "rateLimitWait",
} as const;

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
