import { parseArgs } from "node:util";
import {
  buildManifest,
  DEFAULT_MAX_FILES,
  formatBytes,
  isManifestError,
  manifestDigest,
  MAX_FILES_LIMIT,
  type BuildManifestOptions,
  type BuiltManifest,
} from "../manifest/index.js";
import { FREE_PLAN_MAX_FILES } from "../rules/index.js";
import { parseMaxFilesFlag } from "./max-files-flag.js";

/** Where the command writes; `process` in production, string collectors in tests. */
export interface CommandOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

const EXIT_OK = 0;
const EXIT_MANIFEST_ERROR = 1;
const EXIT_USAGE = 2;

export const MANIFEST_USAGE = `usage: wfp-assets manifest <dir> [--json] [--salt S] [--ignore P]... [--max-files N]

Prints the asset manifest of <dir> the way it would be uploaded: every file (dotfiles included), minus
the root .assetsignore rules and the root _headers, _redirects and .assetsignore themselves.

options:
  --json           print {"/path": {"hash", "size"}} (keys sorted) instead of a summary
  --salt S         salt the hashes for tenant isolation (same S ⇒ same hashes)
  --ignore P       extra gitignore-style pattern; repeat for more
  --max-files N    file-count limit, 1 to ${MAX_FILES_LIMIT} (default ${DEFAULT_MAX_FILES}; ${FREE_PLAN_MAX_FILES} for an account script on the Free plan)
  -h, --help       show this help

exit codes: 0 ok, 1 the directory cannot be deployed as it is, 2 bad usage`;

class UsageError extends Error {}

export async function run(argv: string[]): Promise<number> {
  return runManifestCommand(argv, process);
}

export async function runManifestCommand(argv: string[], output: CommandOutput): Promise<number> {
  let request: { directory: string; json: boolean; options: BuildManifestOptions } | "help";
  try {
    request = parseCommandLine(argv);
  } catch (error) {
    output.stderr.write(`wfp-assets manifest: ${(error as Error).message}\n\n${MANIFEST_USAGE}\n`);
    return EXIT_USAGE;
  }
  if (request === "help") {
    output.stdout.write(`${MANIFEST_USAGE}\n`);
    return EXIT_OK;
  }

  let built: BuiltManifest;
  try {
    built = await buildManifest(request.directory, request.options);
  } catch (error) {
    if (!isManifestError(error)) throw error;
    output.stderr.write(`wfp-assets manifest: ${error.message}\n`);
    return error.code === "invalid-max-files" ? EXIT_USAGE : EXIT_MANIFEST_ERROR;
  }
  output.stdout.write(request.json ? `${JSON.stringify(built.manifest, null, 2)}\n` : summary(built));
  return EXIT_OK;
}

function parseCommandLine(argv: string[]): { directory: string; json: boolean; options: BuildManifestOptions } | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: "boolean", default: false },
        salt: { type: "string" },
        ignore: { type: "string", multiple: true, default: [] },
        "max-files": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    // parseArgs names the offending option already ("Unknown option '--jsn'").
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (positionals.length === 0) throw new UsageError("missing <dir>: pass the directory holding the built site, e.g. `wfp-assets manifest ./dist`.");
  if (positionals.length > 1) {
    throw new UsageError(`expected one directory, got ${positionals.length}: ${positionals.map((p) => JSON.stringify(p)).join(" ")}. Quote a path that contains spaces.`);
  }
  const options: BuildManifestOptions = { ignore: values.ignore };
  if (values.salt !== undefined) {
    if (values.salt === "") throw new UsageError("--salt is empty; pass a non-empty salt, or leave --salt out for wrangler-compatible hashes.");
    options.hashSalt = values.salt;
  }
  if (values["max-files"] !== undefined) options.maxFiles = parseMaxFiles(values["max-files"]);
  return { directory: positionals[0]!, json: values.json, options };
}

function parseMaxFiles(text: string): number {
  const parsed = parseMaxFilesFlag(text);
  if ("problem" in parsed) throw new UsageError(parsed.problem);
  return parsed.value;
}

function summary(built: BuiltManifest): string {
  const lines = [
    `directory  ${built.directory}`,
    `files      ${built.fileCount}`,
    `bytes      ${built.totalBytes} (${formatBytes(built.totalBytes)})`,
    `ignored    ${built.ignored.length}`,
    `_headers   ${built.headers === undefined ? "none" : "present"}`,
    `_redirects ${built.redirects === undefined ? "none" : "present"}`,
    `digest     ${manifestDigest(built.manifest)}`,
  ];
  return `${lines.join("\n")}\n`;
}
