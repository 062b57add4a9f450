/**
 * Which API the suite judges: the account named by CLOUDFLARE_API_TOKEN + CLOUDFLARE_ACCOUNT_ID (at
 * CLOUDFLARE_API_BASE_URL, default Cloudflare's), or else a freshly started local emulator, which the CLI starts
 * (src/cli/contract-emulator.ts): the suite itself imports nothing of the emulator.
 */
import { resolveBaseUrl } from "../cloudflare/config.js";
import { checkAccountId } from "../rules/checks.js";
import type { ContractTarget } from "./runner.js";

/** The emulator accepts any 32-hex account id. */
export const EMULATOR_ACCOUNT = "0123456789abcdef0123456789abcdef";

export class ContractTargetError extends Error {
  override readonly name = "ContractTargetError";
}

/** The account target, or undefined when the environment names none (then the emulator is the target). */
export function accountTarget(env: NodeJS.ProcessEnv): ContractTarget | undefined {
  const token = env.CLOUDFLARE_API_TOKEN?.trim();
  const accountId = env.CLOUDFLARE_ACCOUNT_ID?.trim();
  if (!token && !accountId) return undefined;
  if (!token || !accountId) {
    throw new ContractTargetError(
      `Only ${token ? "CLOUDFLARE_API_TOKEN" : "CLOUDFLARE_ACCOUNT_ID"} is set: set both CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID to check a real account, or neither (or pass --emulator) to check the local emulator.`,
    );
  }
  const problem = checkAccountId(accountId);
  if (problem) throw new ContractTargetError(`CLOUDFLARE_ACCOUNT_ID: ${problem}`);
  return { kind: "account", baseUrl: resolveBaseUrl(env), token, accountId };
}
