/**
 * One RequestBudget per API origin and credential, for the whole process: Cloudflare counts calls per token, and
 * the provider makes a new client for every resource operation, so the budget cannot live in a client.
 * Module state is fine here: Pulumi serializes only the provider object, which loads this module at run time
 * (it captures no client, budget or socket). The key holds a hash of the credential, never the credential.
 */
import { createHash } from "node:crypto";
import type { Credentials } from "./config.js";
import path from "node:path";
import { FileBudgetLedger } from "./budget-ledger.js";
import { RequestBudget } from "./request-budget.js";
import type { BudgetSettings } from "./transport-settings.js";

const budgets = new Map<string, RequestBudget>();

/** `origin#<sha-256 prefix of the credential>`; clients without API credentials share the origin's anonymous budget. */
export function budgetKey(origin: string, credentials: Credentials | undefined): string {
  if (credentials === undefined) return `${origin}#anonymous`;
  const secret = "apiToken" in credentials ? `token\0${credentials.apiToken}` : `key\0${credentials.email}\0${credentials.apiKey}`;
  return `${origin}#${createHash("sha256").update(secret).digest("hex").slice(0, 32)}`;
}

/**
 * The process's budget for `key`, created on first use. Later callers' settings replace earlier ones (the latest
 * configuration wins; the record of calls already made is kept), so a reconfigured provider applies its new budget.
 */
export function sharedBudget(key: string, settings: BudgetSettings | undefined): RequestBudget {
  let budget = budgets.get(key);
  if (budget) budget.configure(settings);
  else budgets.set(key, (budget = new RequestBudget(settings)));
  const ledgerFile = settings?.shareDir ? path.join(settings.shareDir, `${createHash("sha256").update(key).digest("hex").slice(0, 32)}.log`) : undefined;
  if (ledgerFiles.get(key) !== ledgerFile) {
    ledgerFiles.set(key, ledgerFile);
    // The ledger keeps call times for the longest window a budget may use (Cloudflare's is 5 minutes).
    budget.useLedger(ledgerFile ? new FileBudgetLedger(ledgerFile, Math.max(settings!.windowMs, LEDGER_HORIZON_MS)) : undefined);
  }
  return budget;
}

/** Server policies can name a longer window than the configured one: keep ten minutes of calls at least. */
const LEDGER_HORIZON_MS = 10 * 60 * 1000;
const ledgerFiles = new Map<string, string | undefined>();
