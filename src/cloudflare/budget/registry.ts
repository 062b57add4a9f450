/**
 * One RequestBudget per API origin and credential, for the whole process: Cloudflare counts calls per token, and
 * the provider makes a new client for every resource operation, so the budget cannot live in a client. This is the
 * budget's only module state, and on purpose: callers on one token share one budget because Cloudflare makes them
 * share one limit. (Pulumi serializes only the provider object, which loads this module at run time; it captures no
 * client, budget or file.) The key holds a hash of the credential, never the credential.
 */
import { createHash } from "node:crypto";
import type { Credentials } from "../config.js";
import type { BudgetSettings } from "../transport-settings.js";
import { FileBudgetLedger, type BudgetLedger } from "./ledger.js";
import { RequestBudget } from "./request-budget.js";

/** Server policies can name a longer window than the configured one: the ledger keeps ten minutes of calls at least. */
const LEDGER_HORIZON_MS = 10 * 60 * 1000;

interface Entry {
  budget: RequestBudget;
  /** Where the budget shares its calls (undefined: it does not), and the ledger open there. */
  shareDir: string | undefined;
  ledger: BudgetLedger | undefined;
}

const entries = new Map<string, Entry>();

/** `origin#<sha-256 prefix of the credential>`; clients without API credentials share the origin's anonymous budget. */
export function budgetKey(origin: string, credentials: Credentials | undefined): string {
  if (credentials === undefined) return `${origin}#anonymous`;
  const secret = "apiToken" in credentials ? `token\0${credentials.apiToken}` : `key\0${credentials.email}\0${credentials.apiKey}`;
  return `${origin}#${createHash("sha256").update(secret).digest("hex").slice(0, 32)}`;
}

/**
 * The process's budget for `key`, created on first use. Later callers' settings replace earlier ones (the latest
 * configuration wins; the record of calls already made is kept), so a reconfigured provider applies its new budget.
 * A ledger that a new `shareDir` replaces is closed.
 */
export function sharedBudget(key: string, settings: BudgetSettings | undefined): RequestBudget {
  let entry = entries.get(key);
  if (entry) entry.budget.configure(settings);
  else entries.set(key, (entry = { budget: new RequestBudget(settings), shareDir: undefined, ledger: undefined }));
  const shareDir = settings?.shareDir;
  if (entry.shareDir !== shareDir) {
    entry.ledger?.close();
    entry.shareDir = shareDir;
    entry.ledger = shareDir ? new FileBudgetLedger(shareDir, ledgerHash(key), Math.max(settings!.windowMs, LEDGER_HORIZON_MS)) : undefined;
    entry.budget.useLedger(entry.ledger);
  }
  return entry.budget;
}

/** The name of a key's ledger files: a hash of the key (which holds only a hash of the credential). */
function ledgerHash(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 32);
}
