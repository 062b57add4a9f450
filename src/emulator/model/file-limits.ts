/**
 * How many files one Worker version may have, per case (docs/cloudflare-api.md §15.2, §16.1): 100,000 on the Workers
 * Paid plan and for Workers for Platforms, 20,000 on the Free plan. A user worker in a dispatch namespace is always on a
 * paid plan; an account-level script follows the account's plan, which the emulator takes as an option (`accountPlan`).
 */

export type AccountPlan = "paid" | "free";

export const ACCOUNT_PLANS: readonly AccountPlan[] = ["paid", "free"];

export const FILES_PER_VERSION: Readonly<Record<AccountPlan, number>> = { paid: 100_000, free: 20_000 };

export interface FileLimitSettings {
  /** The plan of every account's account-level scripts. */
  accountPlan: AccountPlan;
  /** One limit for every session, whatever the plan (small numbers for tests); undefined = Cloudflare's. */
  maxFilesOverride: number | undefined;
}

export interface FileLimit {
  maxFiles: number;
  /** Said in the refusal, so a client learns which limit it met: "on the Free plan", or nothing. */
  note?: string;
}

export function fileLimitFor(settings: FileLimitSettings, scope: "namespace" | "account"): FileLimit {
  if (settings.maxFilesOverride !== undefined) return { maxFiles: settings.maxFilesOverride };
  if (scope === "account" && settings.accountPlan === "free") return { maxFiles: FILES_PER_VERSION.free, note: "on the Free plan" };
  return { maxFiles: FILES_PER_VERSION.paid };
}
