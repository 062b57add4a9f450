import type { RateLimitStats } from "../protocol/rate-limit.js";
import type { StoreScope } from "../store/blobs.js";
import type { ManifestEntry } from "../model/session-manifest.js";
import type { ScriptRecord } from "../model/script-record.js";
import type { EmulatorState } from "../store/state.js";

/**
 * The inspection view served at GET /__emulator/stats and by `RunningEmulator.stats()`. Request and upload
 * counters live in memory (they restart at zero with the process); scripts and blob counts come from the
 * persisted store.
 */

export interface EmulatorStats {
  accounts: Record<string, AccountStats>;
  /** Present when the rate limit is on: calls per window per token, 429s sent and blocks started. */
  rateLimit?: RateLimitStats;
}

export interface AccountStats {
  /** route id → count (see src/emulator/README.md for the ids). */
  requests: Record<string, number>;
  /** "namespace:<name>" | "account" → upload counters and stored blob count. */
  stores: Record<string, StoreStats>;
  namespaces: Record<string, { scripts: Record<string, ScriptStats> }>;
  /** Account-level scripts. */
  scripts: Record<string, ScriptStats>;
}

export interface StoreStats {
  uploadRequests: number;
  filesUploaded: number;
  bytesUploaded: number;
  perHash: Record<string, number>;
  blobs: number;
}

export interface ScriptStats {
  id: string;
  etag: string;
  createdOn: string;
  modifiedOn: string;
  hasAssets: boolean;
  hasModules: boolean;
  mainModule?: string;
  manifest: Record<string, { hash: string; size: number }>;
  assetConfig: Record<string, unknown>;
  bindings: unknown[];
  compatibilityDate?: string;
  compatibilityFlags: string[];
  tags: string[];
  puts: number;
}

interface StoreCounters {
  uploadRequests: number;
  filesUploaded: number;
  bytesUploaded: number;
  perHash: Map<string, number>;
}

export function storeKey(scope: { kind: "namespace"; namespace: string } | { kind: "account" }): string {
  return scope.kind === "namespace" ? `namespace:${scope.namespace}` : "account";
}

export class StatsRecorder {
  private readonly requests = new Map<string, Map<string, number>>();
  private readonly stores = new Map<string, Map<string, StoreCounters>>();

  countRequest(account: string, routeId: string): void {
    let routes = this.requests.get(account);
    if (!routes) this.requests.set(account, (routes = new Map()));
    routes.set(routeId, (routes.get(routeId) ?? 0) + 1);
  }

  /** An upload request that presented a valid upload JWT for this store. */
  countUploadRequest(account: string, key: string): void {
    this.store(account, key).uploadRequests++;
  }

  /** Parts committed to the store (bytes are decoded asset bytes, not base64). */
  countFiles(account: string, key: string, files: Array<{ hash: string; size: number }>): void {
    const counters = this.store(account, key);
    for (const f of files) {
      counters.filesUploaded++;
      counters.bytesUploaded += f.size;
      counters.perHash.set(f.hash, (counters.perHash.get(f.hash) ?? 0) + 1);
    }
  }

  /** A deleted namespace's store is gone; its successor of the same name starts from zero. */
  resetStore(account: string, key: string): void {
    this.stores.get(account)?.delete(key);
  }

  accountIds(): string[] {
    return [...new Set([...this.requests.keys(), ...this.stores.keys()])];
  }

  requestsOf(account: string): Record<string, number> {
    return Object.fromEntries(this.requests.get(account) ?? []);
  }

  storeKeysOf(account: string): string[] {
    return [...(this.stores.get(account)?.keys() ?? [])];
  }

  storeCounters(account: string, key: string): Omit<StoreStats, "blobs"> {
    const c = this.stores.get(account)?.get(key);
    return {
      uploadRequests: c?.uploadRequests ?? 0,
      filesUploaded: c?.filesUploaded ?? 0,
      bytesUploaded: c?.bytesUploaded ?? 0,
      perHash: Object.fromEntries(c?.perHash ?? []),
    };
  }

  private store(account: string, key: string): StoreCounters {
    let stores = this.stores.get(account);
    if (!stores) this.stores.set(account, (stores = new Map()));
    let counters = stores.get(key);
    if (!counters) stores.set(key, (counters = { uploadRequests: 0, filesUploaded: 0, bytesUploaded: 0, perHash: new Map() }));
    return counters;
  }
}

export interface StatsSources {
  state: EmulatorState;
  recorder: StatsRecorder;
  storeHashes(scope: StoreScope): Promise<Set<string>>;
  loadManifest(ref: string): Promise<Map<string, ManifestEntry> | undefined>;
}

export async function buildStats(src: StatsSources): Promise<EmulatorStats> {
  const accounts: Record<string, AccountStats> = {};
  const ids = [...new Set([...src.state.accounts.keys(), ...src.recorder.accountIds()])].sort();
  for (const id of ids) {
    const account = src.state.accounts.get(id);
    const stores: Array<[string, StoreStats]> = [];
    const scopes = new Map<string, StoreScope | undefined>();
    for (const key of src.recorder.storeKeysOf(id)) scopes.set(key, undefined);
    for (const ns of account?.namespaces.values() ?? []) scopes.set(`namespace:${ns.name}`, { account: id, kind: "namespace", namespaceId: ns.id });
    const accountScope: StoreScope = { account: id, kind: "account" };
    const accountBlobs = await src.storeHashes(accountScope);
    if (scopes.has("account") || accountBlobs.size > 0 || (account?.scripts.size ?? 0) > 0) scopes.set("account", accountScope);
    for (const [key, scope] of [...scopes].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const blobs = scope ? (await src.storeHashes(scope)).size : 0;
      stores.push([key, { ...src.recorder.storeCounters(id, key), blobs }]);
    }
    const namespaces: Array<[string, { scripts: Record<string, ScriptStats> }]> = [];
    for (const ns of account?.namespaces.values() ?? []) namespaces.push([ns.name, { scripts: await scriptsStats(ns.scripts, src) }]);
    accounts[id] = {
      requests: src.recorder.requestsOf(id),
      stores: Object.fromEntries(stores),
      // fromEntries, not assignment: a namespace called "__proto__" must stay an ordinary key.
      namespaces: Object.fromEntries(namespaces),
      scripts: await scriptsStats(account?.scripts ?? new Map(), src),
    };
  }
  return { accounts };
}

async function scriptsStats(scripts: Map<string, ScriptRecord>, src: StatsSources): Promise<Record<string, ScriptStats>> {
  const out: Array<[string, ScriptStats]> = [];
  for (const record of scripts.values()) out.push([record.name, await scriptStats(record, src)]);
  return Object.fromEntries(out);
}

async function scriptStats(record: ScriptRecord, src: StatsSources): Promise<ScriptStats> {
  const manifest = record.manifestRef ? await src.loadManifest(record.manifestRef) : undefined;
  const stats: ScriptStats = {
    id: record.name,
    etag: record.etag,
    createdOn: record.createdOn,
    modifiedOn: record.modifiedOn,
    hasAssets: record.manifestRef !== undefined,
    hasModules: record.modules.length > 0,
    manifest: Object.fromEntries([...(manifest ?? [])].map(([p, e]) => [p, { hash: e.hash, size: e.size }])),
    assetConfig: record.assetConfig,
    bindings: record.bindings,
    compatibilityFlags: record.compatibilityFlags,
    tags: record.tags,
    puts: record.puts,
  };
  const main = record.mainModule ?? record.bodyPart;
  if (main !== undefined) stats.mainModule = main;
  if (record.compatibilityDate !== undefined) stats.compatibilityDate = record.compatibilityDate;
  return stats;
}
