import type { ScriptRecord } from "../model/script-record.js";
import type { EmulatorState } from "../store/state.js";
import type { SiteName } from "./site-address.js";

/**
 * Finds deployed scripts in the emulator's state by the names a request carries. Host names are
 * case-insensitive, so an exact match wins and a unique case-insensitive one is accepted. Any valid account id
 * exists in the emulator, but a site URL names none: a name that exists in exactly one account is served, and one
 * that exists in several is ambiguous (the emulator is normally used with one account).
 */

/** Where a deployed script lives; `key` is unique and stable while the script (and its namespace) exists. */
export interface SiteLocator {
  key: string;
  account: string;
  /** undefined for an account script. The id tells a re-created namespace of the same name apart. */
  namespace: { name: string; id: string } | undefined;
  script: string;
}

export interface DeployedSite extends SiteLocator {
  record: ScriptRecord;
}

export type SiteLookup =
  | { kind: "found"; site: DeployedSite }
  | { kind: "not-found"; message: string }
  | { kind: "ambiguous"; message: string };

export function siteKey(account: string, namespaceId: string | undefined, script: string): string {
  return `${account}/${namespaceId === undefined ? "account" : `ns-${namespaceId}`}/${script}`;
}

/** Every deployed script of every account, sorted by account, namespace, script. */
export function listDeployedSites(state: EmulatorState): DeployedSite[] {
  const sites: DeployedSite[] = [];
  for (const [account, record] of state.accounts) {
    for (const ns of record.namespaces.values()) {
      for (const script of ns.scripts.values()) sites.push(deployed(account, { name: ns.name, id: ns.id }, script));
    }
    for (const script of record.scripts.values()) sites.push(deployed(account, undefined, script));
  }
  const order = (s: DeployedSite) => [s.account, s.namespace === undefined ? "\u0000" : s.namespace.name, s.script];
  return sites.sort((a, b) => compareTuples(order(a), order(b)));
}

export function findSite(state: EmulatorState, name: SiteName): SiteLookup {
  const candidates: DeployedSite[] = [];
  const namespaceMatches: string[] = [];
  for (const [account, record] of state.accounts) {
    if (name.namespace === undefined) {
      const script = pickByName(record.scripts, name.script);
      if (script) candidates.push(deployed(account, undefined, script));
      continue;
    }
    const ns = pickByName(record.namespaces, name.namespace);
    if (!ns) continue;
    namespaceMatches.push(ns.name);
    const script = pickByName(ns.scripts, name.script);
    if (script) candidates.push(deployed(account, { name: ns.name, id: ns.id }, script));
  }
  if (candidates.length === 1) return { kind: "found", site: candidates[0]! };
  const what = name.namespace === undefined ? `account Worker "${name.script}"` : `Worker "${name.script}" in dispatch namespace "${name.namespace}"`;
  if (candidates.length > 1) {
    const accounts = candidates.map((c) => c.account).join(", ");
    return {
      kind: "ambiguous",
      message: `The ${what} exists in several accounts (${accounts}); a site URL names no account. Deploy each account to its own emulator (--data directory) to serve them.`,
    };
  }
  if (name.namespace !== undefined && namespaceMatches.length === 0) {
    return { kind: "not-found", message: `No dispatch namespace named "${name.namespace}" exists in this emulator.` };
  }
  return { kind: "not-found", message: `No ${what} is deployed.` };
}

/** The current version of a located script, or undefined when it (or its namespace) is gone. */
export function resolveLocator(state: EmulatorState, locator: SiteLocator): DeployedSite | undefined {
  const account = state.accounts.get(locator.account);
  if (!account) return undefined;
  if (locator.namespace === undefined) {
    const record = account.scripts.get(locator.script);
    return record ? { ...locator, record } : undefined;
  }
  const ns = account.namespaces.get(locator.namespace.name);
  if (!ns || ns.id !== locator.namespace.id) return undefined;
  const record = ns.scripts.get(locator.script);
  return record ? { ...locator, record } : undefined;
}

function deployed(account: string, namespace: { name: string; id: string } | undefined, record: ScriptRecord): DeployedSite {
  return { key: siteKey(account, namespace?.id, record.name), account, namespace, script: record.name, record };
}

/** Exact name first; otherwise the one case-insensitive match, if there is exactly one. */
function pickByName<T>(map: Map<string, T>, name: string): T | undefined {
  const exact = map.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  const matches = [...map.entries()].filter(([k]) => k.toLowerCase() === lower);
  return matches.length === 1 ? matches[0]![1] : undefined;
}

function compareTuples(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}
