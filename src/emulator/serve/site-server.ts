import { createHash } from "node:crypto";
import http from "node:http";
import path from "node:path";
import type { EmulatorCore } from "../core.js";
import { type MaterializedVersion, SiteMaterializer } from "./materialize.js";
import { type MiniflareLoader, MiniflareMissingError, loadMiniflare } from "./miniflare-loader.js";
import { proxyRequest } from "./proxy.js";
import { sendJson, sendText } from "./responses.js";
import { ReadWriteGate } from "./rw-gate.js";
import { type SiteName, matchFallbackPath, matchSiteHost, siteFallbackPath, siteHost } from "./site-address.js";
import { type DeployedSite, type SiteLocator, findSite, listDeployedSites, resolveLocator } from "./site-lookup.js";
import { SiteRuntime, type SiteWorker, describeError } from "./site-runtime.js";
import { type ModuleBytes, buildWorkerConfig } from "./worker-config.js";

/**
 * Serves what is deployed. Requests for `<script>.<namespace>.localhost`, `<script>.localhost` or
 * `/__sites/<namespace>/<script>/…` are proxied to that script's Worker in Miniflare; `GET /__sites` lists the
 * sites. Only sites that have been requested run ("active", at most `maxActiveSites`, least recently used
 * dropped first). Before each site request the active sites' version keys (ScriptRecord.versionKey, which unlike the
 * etag also covers the assets and asset config) are compared with the state: a PUT or DELETE
 * since the last reload (of any active site) makes this request rebuild the set and wait for it, so a new PUT is
 * served at once. Miniflare is loaded on the first site request, never at emulator start.
 */

export interface SiteServerOptions {
  /** How miniflare is loaded (tests pass one that fails, to see the 501 page). */
  loadMiniflare?: MiniflareLoader;
  maxActiveSites?: number;
  /** How long a reload waits for site requests in flight before restarting workerd under them. */
  drainTimeoutMs?: number;
}

interface AppliedSite {
  /** The version running (ScriptRecord.versionKey: code, assets and asset config). */
  etag: string;
  worker: SiteWorker;
  url: URL;
  version: MaterializedVersion | undefined;
}

const DEFAULT_MAX_ACTIVE_SITES = 32;

export class SiteServer {
  private readonly gate: ReadWriteGate;
  private readonly runtime: SiteRuntime;
  private readonly materializer: SiteMaterializer;
  private readonly maxActiveSites: number;
  /** Requested sites, least recently used first. */
  private readonly active = new Map<string, SiteLocator>();
  private applied = new Map<string, AppliedSite>();
  /** Versions workerd refused (or that could not be built), with the reason; retried after the next PUT. */
  private readonly broken = new Map<string, { etag: string; message: string }>();
  /** Pooled connections to Worker sockets; replaced on every reload, since workerd restarts and ports move. */
  private agent = new http.Agent({ keepAlive: true });
  private closed = false;

  constructor(
    private readonly core: EmulatorCore,
    options: SiteServerOptions = {},
  ) {
    this.gate = new ReadWriteGate(options.drainTimeoutMs ?? 10_000);
    this.runtime = new SiteRuntime(options.loadMiniflare ?? loadMiniflare, { log: (l) => core.log(l), warn: (l) => core.warn(l) });
    this.materializer = new SiteMaterializer({
      root: path.join(core.dataDir, "sites"),
      blobs: core.blobs,
      loadManifest: (ref) => core.loadManifest(ref),
      warn: (l) => core.warn(l),
    });
    this.maxActiveSites = options.maxActiveSites ?? DEFAULT_MAX_ACTIVE_SITES;
  }

  /** Answers site requests and the sites listing; returns false for everything else (the API's). */
  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    const host = matchSiteHost(req.headers.host);
    if (host.kind === "bad-site-host") {
      this.answer(req, res, 404, `"${host.host}" is not a site host. Sites answer on <script>.<namespace>.localhost or <script>.localhost; GET /__sites on 127.0.0.1 lists them.\n`);
      return true;
    }
    if (host.kind === "site") {
      await this.serve(req, res, host.name, req.url ?? "/", undefined);
      return true;
    }
    const fallback = matchFallbackPath(req.url ?? "/");
    switch (fallback.kind) {
      case "none":
        return false;
      case "list":
        if (req.method !== "GET" && req.method !== "HEAD") this.answer(req, res, 405, "Use GET /__sites.\n", { allow: "GET, HEAD" });
        else sendJson(res, 200, this.listing(req));
        return true;
      case "bad-fallback-path":
        this.answer(req, res, 404, "Use /__sites/<namespace>/<script>/<path> (or /__sites/~account/<script>/<path> for an account Worker); GET /__sites lists the sites.\n");
        return true;
      case "site":
        await this.serve(req, res, fallback.name, fallback.path, fallback.prefix);
        return true;
    }
  }

  /** Stops workerd once the requests in flight are done (or the drain timeout passed). */
  async close(): Promise<void> {
    this.closed = true;
    await this.gate.write(async () => {
      this.applied = new Map();
      await this.runtime.dispose();
    });
    this.agent.destroy();
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse, name: SiteName, sitePath: string, prefix: string | undefined): Promise<void> {
    if (this.closed) return this.answer(req, res, 503, "The emulator is shutting down.\n");
    const lookup = findSite(this.core.state, name);
    if (lookup.kind !== "found") return this.answer(req, res, lookup.kind === "ambiguous" ? 409 : 404, `${lookup.message} GET /__sites lists the deployed sites.\n`);
    const site = lookup.site;
    this.touch(site);
    try {
      if (this.needsReload()) await this.gate.write(() => this.reload());
    } catch (err) {
      if (err instanceof MiniflareMissingError) return this.answer(req, res, 501, `${err.message}\nThe Cloudflare API emulator works without it; only site serving needs it.\n`);
      this.core.warn(`sites: could not start Miniflare: ${describeError(err)}`);
      return this.answer(req, res, 500, `Miniflare could not start the deployed sites:\n${describeError(err)}\n`);
    }
    const broken = this.broken.get(site.key);
    if (broken && broken.etag === site.record.versionKey) {
      return this.answer(req, res, 500, `The deployed version of ${describe(site)} cannot run locally:\n${broken.message}\nFix the Worker and deploy it again.\n`);
    }
    await this.gate.read(async () => {
      const applied = this.applied.get(site.key);
      if (!applied) return this.answer(req, res, 503, `${describe(site)} changed while this request waited; try again.\n`, { "retry-after": "1" });
      const host = prefix === undefined ? (req.headers.host ?? siteHost(siteNameOf(site), localPort(req))) : siteHost(siteNameOf(site), localPort(req));
      await proxyRequest(req, res, { url: applied.url, path: sitePath, host, locationPrefix: prefix, agent: this.agent, assetTypes: applied.version?.assetTypes });
    });
  }

  private touch(site: DeployedSite): void {
    this.active.delete(site.key);
    this.active.set(site.key, { key: site.key, account: site.account, namespace: site.namespace, script: site.script });
    while (this.active.size > this.maxActiveSites) this.active.delete(this.active.keys().next().value!);
  }

  /** The active sites as deployed now (dropping those that were deleted). */
  private desired(): DeployedSite[] {
    const sites: DeployedSite[] = [];
    for (const [key, locator] of this.active) {
      const site = resolveLocator(this.core.state, locator);
      if (site) sites.push(site);
      else this.active.delete(key);
    }
    return sites;
  }

  private needsReload(): boolean {
    const desired = this.desired();
    let running = 0;
    for (const site of desired) {
      if (this.broken.get(site.key)?.etag === site.record.versionKey) continue;
      if (this.applied.get(site.key)?.etag !== site.record.versionKey) return true;
      running++;
    }
    return running !== this.applied.size;
  }

  private async reload(): Promise<void> {
    if (this.closed || !this.needsReload()) return; // another request's reload already did it
    const started = Date.now();
    await this.runtime.ensureLoaded();
    const desired = this.desired();
    for (const [key, b] of this.broken) if (desired.find((s) => s.key === key)?.record.versionKey !== b.etag) this.broken.delete(key);

    const workers: SiteWorker[] = [];
    const fresh = new Set<string>();
    const versions = new Map<string, MaterializedVersion | undefined>();
    for (const site of desired) {
      if (this.broken.has(site.key)) continue;
      const current = this.applied.get(site.key);
      if (current && current.etag === site.record.versionKey) {
        workers.push(current.worker);
        versions.set(site.key, current.version);
        continue;
      }
      try {
        const version = site.record.manifestRef ? await this.materializer.materialize(site, current?.version) : undefined;
        workers.push(await this.buildWorker(site, version));
        versions.set(site.key, version);
        fresh.add(site.key);
      } catch (err) {
        this.broken.set(site.key, { etag: site.record.versionKey, message: describeError(err) });
        this.core.warn(`sites: could not build ${describe(site)}: ${describeError(err)}`);
      }
    }

    this.agent.destroy();
    this.agent = new http.Agent({ keepAlive: true });
    this.applied = new Map();
    const result = await this.runtime.apply(workers, fresh);
    for (const [key, message] of result.failed) {
      const site = desired.find((s) => s.key === key)!;
      this.broken.set(key, { etag: site.record.versionKey, message });
      this.core.warn(`sites: ${describe(site)} cannot run locally: ${message}`);
    }
    for (const worker of workers) {
      const url = result.urls.get(worker.key);
      const site = desired.find((s) => s.key === worker.key)!;
      if (url) this.applied.set(worker.key, { etag: site.record.versionKey, worker, url, version: versions.get(worker.key) });
    }
    await this.materializer.sweep(this.keptVersionDirs());
    this.core.log(`sites: ${this.applied.size} site(s) running, reloaded in ${Date.now() - started} ms`);
  }

  private async buildWorker(site: DeployedSite, version: MaterializedVersion | undefined): Promise<SiteWorker> {
    const modules: ModuleBytes[] = [];
    for (const m of site.record.modules) {
      const bytes = await this.core.objects.get(m.object);
      if (!bytes) throw new Error(`module "${m.name}" (object ${m.object}) is missing from the data directory`);
      modules.push({ name: m.name, contentType: m.contentType, bytes });
    }
    const workerName = `site-${createHash("sha256").update(site.key).digest("hex").slice(0, 16)}`;
    const { options, warnings } = buildWorkerConfig({ workerName, record: site.record, modules, assetsDir: version?.dir, socket: { host: "127.0.0.1", port: 0 } });
    for (const w of warnings) this.core.warn(`sites: ${describe(site)}: ${w}`);
    return { key: site.key, workerName, label: `${site.namespace?.name ?? "~account"}/${site.script}`, options };
  }

  /** Directories still needed: the versions running now and the current version of every deployed script. */
  private keptVersionDirs(): Set<string> {
    const keep = new Set<string>();
    for (const a of this.applied.values()) if (a.version) keep.add(a.version.dir);
    for (const site of listDeployedSites(this.core.state)) if (site.record.manifestRef) keep.add(this.materializer.versionDir(site));
    return keep;
  }

  private listing(req: http.IncomingMessage): Array<Record<string, unknown>> {
    const port = localPort(req);
    const origin = `http://${req.headers.host ?? `127.0.0.1:${port}`}`;
    return listDeployedSites(this.core.state).map((site) => ({
      account: site.account,
      namespace: site.namespace?.name ?? null,
      script: site.script,
      url: `http://${siteHost(siteNameOf(site), port)}/`,
      fallbackUrl: `${origin}${siteFallbackPath(siteNameOf(site))}`,
      etag: site.record.etag,
      modifiedOn: site.record.modifiedOn,
      hasAssets: site.record.manifestRef !== undefined,
      hasModules: site.record.modules.length > 0,
    }));
  }

  /** An answer of the emulator's own; the request body, if any, is drained so the client can read it. */
  private answer(req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    sendText(res, status, text, headers);
    if (!req.readableEnded) req.resume();
  }
}

function siteNameOf(site: DeployedSite): SiteName {
  return { namespace: site.namespace?.name, script: site.script };
}

function describe(site: DeployedSite): string {
  return site.namespace === undefined ? `account Worker "${site.script}"` : `Worker "${site.script}" in dispatch namespace "${site.namespace.name}"`;
}

function localPort(req: http.IncomingMessage): number {
  return req.socket.localPort ?? 0;
}
