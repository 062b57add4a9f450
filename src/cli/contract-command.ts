import { parseArgs } from "node:util";
import { CLEANUP_RESERVE, CONTRACT_CALL_BUDGET, CONTRACT_CHECKS, type ContractTarget, ContractTargetError, RecordDirError, accountTarget, formatResult, formatSummary, passed, runContract } from "../contract/index.js";
import { emulatorTarget } from "./contract-emulator.js";
import { CloudflareConfigError } from "../cloudflare/config.js";
import { EmulatorDependencyError } from "../emulator/index.js";

const HELP = `usage: wfp-assets contract [--record DIR] [--emulator]

Runs ${CONTRACT_CHECKS.length} API contract checks (namespaces, upload session, bucket uploads, completion JWT, script
PUT with and without code, keep_assets, script/settings/tags reads, the ?tags= listing, missing scripts, rate-limit
headers, deletes) and says which answers differ from Cloudflare's documented behaviour.

Target: with CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID set, your Cloudflare account (CLOUDFLARE_API_BASE_URL
overrides the API base): everything happens in a new dispatch namespace "wfp-contract-<random>", deleted at the end
even when a check fails, in at most ${CONTRACT_CALL_BUDGET} API calls (${CLEANUP_RESERVE} kept for the cleanup). The token needs Workers
Scripts:Edit on an account with Workers for Platforms. Without them: a freshly started local emulator.

options:
  --record DIR   write each request and answer (tokens and JWTs redacted) as a JSON file into DIR (new or empty)
  --emulator     check a local emulator even when the variables above are set
  -h, --help     show this help

Exit codes: 0 every check passed, 1 a check failed (or the namespace could not be deleted), 2 bad arguments,
130 interrupted by Ctrl-C (the scratch namespace was still deleted).
`;

export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, allowPositionals: false, options: { record: { type: "string" }, emulator: { type: "boolean" }, help: { type: "boolean", short: "h" } } }));
  } catch (err) {
    process.stderr.write(`wfp-assets contract: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let target: ContractTarget | undefined;
  try {
    target = values.emulator ? undefined : accountTarget(env);
  } catch (err) {
    if (!(err instanceof ContractTargetError || err instanceof CloudflareConfigError)) throw err;
    process.stderr.write(`wfp-assets contract: ${err.message}\n`);
    return 2;
  }
  let emulator: Awaited<ReturnType<typeof emulatorTarget>> | undefined;
  try {
    emulator = target ? undefined : await emulatorTarget();
  } catch (err) {
    if (!(err instanceof EmulatorDependencyError)) throw err;
    process.stderr.write(`wfp-assets contract: ${err.message}\nTo check your Cloudflare account instead, set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID.\n`);
    return 1;
  }
  target ??= emulator!.target;
  process.stdout.write(
    target.kind === "account"
      ? `Checking the Cloudflare API at ${target.baseUrl} (account ${target.accountId.slice(0, 6)}…) in a scratch dispatch namespace, at most ${CONTRACT_CALL_BUDGET} API calls.\n\n`
      : `Checking a freshly started local emulator (${target.baseUrl}) against Cloudflare's documented behaviour.\n\n`,
  );
  // The first Ctrl-C lets the call in flight finish, skips the rest and still deletes the scratch namespace.
  const interrupt = new AbortController();
  const onSignal = () => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort();
    process.stderr.write("\nwfp-assets contract: interrupted: finishing the current check, then deleting the scratch namespace (Ctrl-C again to quit at once and leave it).\n");
  };
  process.on("SIGINT", onSignal);
  try {
    const report = await runContract(target, {
      ...(values.record !== undefined ? { record: values.record } : {}),
      signal: interrupt.signal,
      onResult: (r) => process.stdout.write(`${formatResult(r)}\n`),
    });
    process.stdout.write(`${formatSummary(report)}\n`);
    if (report.leftover === undefined && interrupt.signal.aborted) return 130;
    return passed(report) ? 0 : 1;
  } catch (err) {
    if (!(err instanceof RecordDirError)) throw err;
    process.stderr.write(`wfp-assets contract: ${err.message}\n`);
    return 2;
  } finally {
    process.off("SIGINT", onSignal);
    await emulator?.close();
  }
}
