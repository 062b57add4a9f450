import { parseArgs } from "node:util";
import { type AccountPlan, type EmulatorOptions, EmulatorOptionsError, FaultSpecError, type RunningEmulator, parseRateLimitSpec, startEmulator } from "../emulator/index.js";
import { checkAccountId } from "../rules/index.js";

const HELP = `usage: wfp-assets emulator [options]

Runs the local Cloudflare API emulator (dispatch namespaces, asset uploads, script uploads) until
interrupted. Point a client at it with CLOUDFLARE_API_BASE_URL=<printed base URL>.

options:
  --port N                 port (default 8787; 0 = any free port)
  --host H                 interface (default 127.0.0.1; non-loopback needs --allow-remote)
  --data DIR               persist state in DIR (default: a temporary directory removed on exit)
  --token T[:ACCT,...]     accepted API token, optionally limited to accounts (repeatable;
                           default: a generated token, persisted in the data directory)
  --legacy-key EMAIL:KEY[:ACCT,...]
                           accepted X-Auth-Email/X-Auth-Key pair (repeatable)
  --faults SPEC            fault injection, compact ("seed=7;upload=503@0.2;session=null*1") or JSON
  --jwt-lifetime S         upload/completion JWT lifetime in seconds (default 3600)
  --account-plan P         the plan of account-level scripts: paid (default; 100000 files per version) or
                           free (20000); dispatch-namespace scripts may always have 100000
  --max-files N            one cap on the manifest entries of every upload session, overriding the plans
  --max-bucket-bytes N     max base64 bytes per bucket (default 52428800)
  --max-bucket-files N     max files per bucket (default 500)
  --max-request-bytes N    max request body (default 104857600)
  --per-file-uploads       enable POST /workers/assets/upload/{hash} and advertise it in upload JWTs
  --minimal-put-answers    answer script PUTs with only {startup_time_ms} (what the schema requires)
  --rate-limit SPEC        enforce Cloudflare's API rate limit: "on" (1200 calls per 300 s per token, then
                           a 300 s block), "off" (default), or "N/W" (N calls per W seconds), optionally
                           followed by ",block=S" ",uploads=on|off" (count JWT uploads against the token that
                           opened the session; default on) ",ip=N" (N calls per second per IP)
  --allow-remote           allow a non-loopback --host
  --quiet                  do not log each request to stderr
  -h, --help               show this help
`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Turns command-line arguments into emulator options; throws UsageError naming the bad argument. */
export function parseEmulatorArgs(argv: string[]): { help: boolean; quiet: boolean; options: EmulatorOptions } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        data: { type: "string" },
        token: { type: "string", multiple: true },
        "legacy-key": { type: "string", multiple: true },
        faults: { type: "string" },
        "jwt-lifetime": { type: "string" },
        "account-plan": { type: "string" },
        "max-files": { type: "string" },
        "max-bucket-bytes": { type: "string" },
        "max-bucket-files": { type: "string" },
        "max-request-bytes": { type: "string" },
        "per-file-uploads": { type: "boolean" },
        "minimal-put-answers": { type: "boolean" },
        "rate-limit": { type: "string" },
        "allow-remote": { type: "boolean" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const options: EmulatorOptions = { port: integer(values.port ?? "8787", "--port", 0) };
  if (values.host !== undefined) options.host = values.host;
  if (values.data !== undefined) options.dataDir = values.data;
  if (values.token) options.tokens = values.token.map(parseToken);
  if (values["legacy-key"]) options.legacyKeys = values["legacy-key"].map(parseLegacyKey);
  if (values.faults !== undefined) options.faults = values.faults;
  if (values["jwt-lifetime"] !== undefined) {
    const seconds = Number(values["jwt-lifetime"]);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--jwt-lifetime must be a positive number of seconds, got "${values["jwt-lifetime"]}".`);
    options.jwtLifetimeSeconds = seconds;
  }
  if (values["account-plan"] !== undefined) options.accountPlan = accountPlan(values["account-plan"]);
  if (values["max-files"] !== undefined) options.maxFiles = integer(values["max-files"], "--max-files", 1);
  if (values["max-bucket-bytes"] !== undefined) options.maxBucketBytes = integer(values["max-bucket-bytes"], "--max-bucket-bytes", 1);
  if (values["max-bucket-files"] !== undefined) options.maxBucketFiles = integer(values["max-bucket-files"], "--max-bucket-files", 1);
  if (values["max-request-bytes"] !== undefined) options.maxRequestBytes = integer(values["max-request-bytes"], "--max-request-bytes", 1);
  if (values["per-file-uploads"]) options.perFileUploads = true;
  if (values["minimal-put-answers"]) options.minimalPutAnswers = true;
  if (values["rate-limit"] !== undefined) options.rateLimit = parseRateLimitFlag(values["rate-limit"]);
  if (values["allow-remote"]) options.allowRemote = true;
  return { help: values.help ?? false, quiet: values.quiet ?? false, options };
}

function parseRateLimitFlag(spec: string): EmulatorOptions["rateLimit"] {
  let parsed;
  try {
    parsed = parseRateLimitSpec(spec);
  } catch (err) {
    throw new UsageError(`--rate-limit: ${(err as Error).message}`);
  }
  return parsed === undefined ? false : parsed;
}

function accountPlan(text: string): AccountPlan {
  if (text === "paid" || text === "free") return text;
  throw new UsageError(`--account-plan must be "paid" or "free", got "${text}".`);
}

function integer(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer ≥ ${min}, got "${text}".`);
  return n;
}

function accountsOf(list: string | undefined, flag: string): string[] | undefined {
  if (list === undefined) return undefined;
  const accounts = list.split(",").filter(Boolean);
  for (const a of accounts) {
    const problem = checkAccountId(a);
    if (problem !== undefined) throw new UsageError(`${flag}: "${a}" is not an account id: ${problem}.`);
  }
  return accounts;
}

function parseToken(arg: string): string | { token: string; accounts?: string[] } {
  const colon = arg.indexOf(":");
  if (colon < 0) return arg;
  const token = arg.slice(0, colon);
  if (!token) throw new UsageError(`--token "${arg}" has no token before ":".`);
  return { token, accounts: accountsOf(arg.slice(colon + 1), "--token") ?? [] };
}

function parseLegacyKey(arg: string): { email: string; key: string; accounts?: string[] } {
  const [email, key, accounts] = arg.split(":");
  if (!email || !key) throw new UsageError(`--legacy-key must be EMAIL:KEY[:ACCOUNT,...], got "${arg}".`);
  const parsed = accountsOf(accounts, "--legacy-key");
  return parsed ? { email, key, accounts: parsed } : { email, key };
}

export function describeRunning(emu: RunningEmulator, temporary: boolean): string {
  return [
    `wfp-assets emulator listening on ${emu.url}`,
    `  token: ${emu.tokens.join(", ")}`,
    `  data:  ${emu.dataDir}${temporary ? " (temporary, removed on exit)" : ""}`,
    `  stats: ${emu.origin}/__emulator/stats`,
    "",
    `  export CLOUDFLARE_API_BASE_URL=${emu.url}`,
    `  export CLOUDFLARE_API_TOKEN=${emu.tokens[0]}`,
    "",
  ].join("\n");
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

/** `until` resolves when the emulator should stop (default: SIGINT or SIGTERM). */
export async function run(argv: string[], until?: Promise<unknown>): Promise<number> {
  let parsed;
  try {
    parsed = parseEmulatorArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`wfp-assets emulator: ${err.message}\n\n${HELP}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const log = parsed.quiet ? (line: string) => line.startsWith("WARN ") && process.stderr.write(`${line}\n`) : (line: string) => process.stderr.write(`${line}\n`);
  let emu: RunningEmulator;
  try {
    emu = await startEmulator({ ...parsed.options, log });
  } catch (err) {
    process.stderr.write(`wfp-assets emulator: ${(err as Error).message}\n`);
    // Bad options are the caller's to fix (exit 2, like other usage errors); anything else is a failure to start.
    return err instanceof EmulatorOptionsError || err instanceof FaultSpecError ? 2 : 1;
  }
  process.stdout.write(describeRunning(emu, parsed.options.dataDir === undefined));
  const reason = await (until ?? waitForSignal());
  process.stderr.write(`wfp-assets emulator: ${typeof reason === "string" ? reason : "stop requested"}, shutting down\n`);
  await emu.close();
  return 0;
}
