import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Authenticator } from "./protocol/auth.js";
import { namespaceNotFound } from "./protocol/envelope.js";
import { type FaultSpec, FaultInjector, parseFaultSpec } from "./harness/faults.js";
import { JwtIssuer } from "./protocol/jwt.js";
import type { EmulatorConfig } from "./options.js";
import { RateLimiter } from "./protocol/rate-limit.js";
import { type EmulatorStats, StatsRecorder, buildStats } from "./harness/stats.js";
import { BlobStore, type StoreScope } from "./store/blobs.js";
import { acquireDataDirLock } from "./store/lock.js";
import { ObjectStore } from "./store/objects.js";
import { loadOrCreateApiToken, loadOrCreateJwtKey } from "./store/secrets.js";
import type { ManifestEntry } from "./model/session-manifest.js";
import { type SessionScope, SessionStore } from "./store/sessions.js";
import type { EmulatorState, NamespaceRecord } from "./store/state.js";
import { type StatePersister, openStateStore } from "./store/state-store.js";
import type { ScriptRecord } from "./model/script-record.js";

/**
 * Everything a route needs, opened from one data directory: state, stores, JWT issuer, credentials, counters and
 * the fault injector. Routes reach the disk only through these objects.
 */
export class EmulatorCore {
  private faultInjector: FaultInjector;
  /** Sessions whose completion JWT a PUT in flight is attaching (so two concurrent PUTs cannot both use it). */
  private readonly reservedSessions = new Set<string>();
  private readonly manifestCache = new Map<string, Map<string, ManifestEntry>>();
  /** Cloudflare's API rate limit, when the `rateLimit` option is on. */
  readonly rateLimiter: RateLimiter | undefined;

  private constructor(
    readonly config: EmulatorConfig,
    readonly dataDir: string,
    private readonly temporary: boolean,
    private readonly releaseLock: () => Promise<void>,
    readonly state: EmulatorState,
    private readonly persister: StatePersister,
    readonly blobs: BlobStore,
    readonly objects: ObjectStore,
    readonly sessions: SessionStore,
    readonly jwt: JwtIssuer,
    readonly auth: Authenticator,
    readonly tokens: string[],
    readonly recorder: StatsRecorder,
  ) {
    this.faultInjector = new FaultInjector(config.faults);
    this.rateLimiter = config.rateLimit ? new RateLimiter(config.rateLimit) : undefined;
  }

  static async open(config: EmulatorConfig): Promise<EmulatorCore> {
    const temporary = config.dataDir === undefined;
    const dataDir = temporary ? await mkdtemp(path.join(os.tmpdir(), "wfp-emulator-")) : path.resolve(config.dataDir!);
    await mkdir(dataDir, { recursive: true });
    const releaseLock = await acquireDataDirLock(dataDir);
    try {
      const tmpDir = path.join(dataDir, "tmp");
      await rm(tmpDir, { recursive: true, force: true }); // leftovers of requests cut off by a crash
      await mkdir(tmpDir, { recursive: true });
      const key = await loadOrCreateJwtKey(dataDir);
      const tokens = config.tokens.length > 0 ? config.tokens : [{ token: await loadOrCreateApiToken(dataDir) }];
      const { state, persister } = await openStateStore(dataDir);
      const objects = new ObjectStore(path.join(dataDir, "objects"), tmpDir);
      const sessions = new SessionStore(path.join(dataDir, "sessions"), objects);
      const now = Date.now() / 1000;
      state.pruneSpentSessions(now);
      const live = await sessions.pruneExpired(now);
      await objects.collectGarbage(new Set([...state.referencedObjects(), ...live]));
      return new EmulatorCore(
        config,
        dataDir,
        temporary,
        releaseLock,
        state,
        persister,
        new BlobStore(path.join(dataDir, "blobs"), tmpDir),
        objects,
        sessions,
        new JwtIssuer(key),
        new Authenticator(tokens, config.legacyKeys, key),
        tokens.map((t) => t.token),
        new StatsRecorder(),
      );
    } catch (err) {
      await releaseLock();
      if (temporary) await rm(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  get faults(): FaultInjector {
    return this.faultInjector;
  }

  setFaults(spec: FaultSpec | string | undefined): void {
    this.faultInjector = new FaultInjector(spec === undefined ? undefined : parseFaultSpec(spec));
  }

  /** Lifetime for newly issued JWTs: a fault spec's short lifetime wins over the option. */
  jwtLifetimeSeconds(): number {
    return this.faultInjector.jwtLifetimeSeconds ?? this.config.jwtLifetimeSeconds;
  }

  log(line: string): void {
    this.config.log?.(line);
  }

  /** Warnings also reach stderr when no logger is configured (an unknown route should never go unnoticed). */
  warn(line: string): void {
    if (this.config.log) this.config.log(`WARN ${line}`);
    else process.stderr.write(`[wfp-assets emulator] ${line}\n`);
  }

  namespaceOrThrow(account: string, name: string): NamespaceRecord {
    const ns = this.state.accounts.get(account)?.namespaces.get(name);
    if (!ns) throw namespaceNotFound(name);
    return ns;
  }

  storeScope(account: string, scope: SessionScope): StoreScope {
    return scope.kind === "namespace" ? { account, kind: "namespace", namespaceId: scope.namespaceId } : { account, kind: "account" };
  }

  async loadManifest(ref: string): Promise<Map<string, ManifestEntry> | undefined> {
    const cached = this.manifestCache.get(ref);
    if (cached) return cached;
    const manifest = await this.sessions.loadManifest(ref);
    if (manifest) {
      if (this.manifestCache.size >= 64) this.manifestCache.delete(this.manifestCache.keys().next().value!);
      this.manifestCache.set(ref, manifest);
    }
    return manifest;
  }

  /** Marks a session as being attached; false if it is already spent or another PUT holds it. */
  reserveSession(account: string, session: string): boolean {
    const key = `${account}/${session}`;
    if (this.reservedSessions.has(key) || this.state.accounts.get(account)?.spentSessions.has(session)) return false;
    this.reservedSessions.add(key);
    return true;
  }

  releaseSession(account: string, session: string): void {
    this.reservedSessions.delete(`${account}/${session}`);
  }

  /**
   * Writes what changed and resolves once it is on disk: answer a mutation only after this. Pass the script records
   * changed in place (tags, settings); what was set in or deleted from the state's Maps is noted by the state itself.
   */
  persist(...changedInPlace: ScriptRecord[]): Promise<void> {
    for (const record of changedInPlace) this.state.touch(record);
    return this.persister.flush();
  }

  async stats(): Promise<EmulatorStats> {
    const stats = await buildStats({
      state: this.state,
      recorder: this.recorder,
      storeHashes: (scope) => this.blobs.hashes(scope),
      loadManifest: (ref) => this.loadManifest(ref),
    });
    if (this.rateLimiter) stats.rateLimit = this.rateLimiter.stats();
    return stats;
  }

  /** Flushes state and releases the data directory (removing it when it was temporary). */
  async close(): Promise<void> {
    try {
      await this.persist();
    } finally {
      await this.releaseLock();
      if (this.temporary) await rm(this.dataDir, { recursive: true, force: true });
    }
  }
}
