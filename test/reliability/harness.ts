/**
 * Shared parts of the reliability suite: an emulator whose log is collected, small deterministic sites, a
 * CloudflareClient instrumented to see every bucket upload (its hashes, attempts and timing), a recorder for
 * progress events, and read-only checks of what the emulator stored (its own BlobStore reads the blobs back).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { expect } from "vitest";
import { z } from "zod";
import {
  CloudflareClient,
  routes,
  type ApiRequest,
  type ApiResponse,
  type ClientOptions,
  type RetryEvent,
  type ScriptTarget,
} from "../../src/cloudflare/index.js";
import { formatDeployEvent, type DeployEvent } from "../../src/deploy/index.js";
import { type EmulatorOptions, type EmulatorStats, type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { BlobStore, type StoreScope } from "../../src/emulator/store/blobs.js";
import { readState } from "../../src/emulator/store/state-store.js";
import { buildManifest, hashAssetBytes, type BuiltManifest } from "../../src/manifest/index.js";
import { seededBytes, writeTree } from "../fixtures/sites.mjs";

export const ACCOUNT = "5eed0000feedface0000c0ffee000001";
/** Long enough to be redacted as a secret (≥ 6 chars) and distinctive enough to grep for. */
export const API_TOKEN = "reliability-api-token-7c1d5e9a";
/** Tiny backoff so retried cases stay fast; Retry-After still wins where a server sends it. */
export const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50, gatewayDelayMs: 5 } as const;
export const UPLOAD_ROUTE = "POST /workers/assets/upload";
/** Anything shaped like a JWT (base64url JSON header `{"…` ⇒ `eyJ`). */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

export interface Harness {
  emu: RunningEmulator;
  /** Every line the emulator logged (one per request, plus warnings). */
  emulatorLog: string[];
  /** Temporary root for the sites of this harness. */
  root: string;
  /** Clients made by `client()`; each one's JWTs and upload calls are kept for the secret check. */
  clients: TrackingClient[];
  client(options?: Partial<ClientOptions>): TrackingClient;
  createNamespace(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(options: EmulatorOptions = {}): Promise<Harness> {
  const emulatorLog: string[] = [];
  const root = await mkdtemp(path.join(os.tmpdir(), "wfp-reliability-"));
  const emu = await startEmulator({ tokens: [API_TOKEN], log: (line) => emulatorLog.push(line), ...options });
  const clients: TrackingClient[] = [];
  const client = (extra: Partial<ClientOptions> = {}): TrackingClient => {
    const made = new TrackingClient({ baseUrl: emu.url, credentials: { apiToken: API_TOKEN }, retry: FAST_RETRY, ...extra });
    clients.push(made);
    return made;
  };
  const admin = client();
  return {
    emu,
    emulatorLog,
    root,
    clients,
    client,
    createNamespace: async (name) => {
      await admin.request({ method: "POST", path: routes.namespacesPath(ACCOUNT), json: { name }, schema: z.unknown() });
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await emu.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}


// ---------------------------------------------------------------------------------------------------------------
// Sites

export interface SiteSpec {
  /** Files unique to this site. */
  files: number;
  /** Content that differs per tenant. */
  tenant: string;
  /** Files with the same bytes in every site that lists them (shared across tenants of one namespace). */
  shared?: number;
  /** Bytes per generated file, roughly (default ~300). */
  size?: number;
}

const EXTENSIONS = ["html", "css", "js", "txt", "svg", "bin"] as const;

/** Writes a deterministic site and returns its directory. Includes a binary file and two paths with one hash. */
export async function writeSite(root: string, name: string, spec: SiteSpec): Promise<string> {
  const dir = path.join(root, name);
  const size = spec.size ?? 300;
  const files: Record<string, string | Uint8Array> = {};
  for (let i = 0; i < spec.files; i++) {
    const ext = EXTENSIONS[i % EXTENSIONS.length]!;
    const rel = `${i % 2 === 0 ? "" : "assets/"}file-${i}.${ext}`;
    files[rel] = ext === "bin" ? seededBytes(`${spec.tenant}/${i}`, size) : `${spec.tenant} ${i} `.repeat(Math.ceil(size / 12));
  }
  for (let i = 0; i < (spec.shared ?? 0); i++) files[`shared/common-${i}.css`] = `.shared-${i} { color: #${i}${i}${i}; }\n`.repeat(10);
  // Same bytes and extension under two paths ⇒ one hash, uploaded once.
  files["index.html"] = `<h1>${spec.tenant}</h1>`;
  files["copy/index.html"] = `<h1>${spec.tenant}</h1>`;
  await writeTree(dir, files);
  return dir;
}

export async function site(h: Harness, name: string, spec: SiteSpec): Promise<BuiltManifest> {
  return buildManifest(await writeSite(h.root, name, spec));
}

/** Distinct hashes of a built site. */
export function uniqueHashes(built: BuiltManifest): Set<string> {
  return new Set(built.files.map((f) => f.hash));
}

// ---------------------------------------------------------------------------------------------------------------
// Instrumented client

export interface UploadCall {
  /** Hashes of the parts this bucket request carried (read from its form). */
  hashes: string[];
  /** performance.now() when request() was entered / settled. */
  started: number;
  ended: number | undefined;
  /** performance.now() of each attempt (each build of the one-shot form body). */
  attempts: number[];
  /** Other bucket requests already in flight when this one started. */
  inFlightAtStart: number;
  ok: boolean | undefined;
}

/**
 * The real client, observed: every bucket upload is recorded (which hashes, how many attempts, when, how many
 * others were in flight), and every JWT it handles is kept so the suite can check none leaks into any output.
 */
export class TrackingClient extends CloudflareClient {
  readonly uploads: UploadCall[] = [];
  readonly jwts = new Set<string>();
  private inFlight = 0;

  override async request<T>(req: ApiRequest<T>): Promise<ApiResponse<T>> {
    if (typeof req.auth === "object") this.jwts.add(req.auth.bearer);
    const isUpload = req.path.includes("/workers/assets/upload");
    const form = req.form;
    let call: UploadCall | undefined;
    let observed = req;
    if (form) {
      if (isUpload) {
        call = { hashes: [], started: performance.now(), ended: undefined, attempts: [], inFlightAtStart: this.inFlight, ok: undefined };
        this.uploads.push(call);
        this.inFlight++;
      }
      const record = call;
      observed = {
        ...req,
        form: () => {
          const body = form();
          if (record) {
            record.attempts.push(performance.now());
            record.hashes = [...new Set(body.keys())];
          }
          const metadata = body.get("metadata");
          if (typeof metadata === "string") {
            const jwt = (JSON.parse(metadata) as { assets?: { jwt?: unknown } }).assets?.jwt;
            if (typeof jwt === "string") this.jwts.add(jwt);
          }
          return body;
        },
      };
    }
    try {
      const response = await super.request(observed);
      const jwt = (response.result as { jwt?: unknown } | null)?.jwt;
      if (typeof jwt === "string") this.jwts.add(jwt);
      if (call) call.ok = true;
      return response;
    } catch (error) {
      if (call) call.ok = false;
      throw error;
    } finally {
      if (call) {
        call.ended = performance.now();
        this.inFlight--;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Progress

export class ProgressRecorder {
  readonly events: Array<DeployEvent & { at: number }> = [];
  readonly lines: string[] = [];
  readonly listener = (event: DeployEvent): void => {
    this.events.push({ ...event, at: performance.now() });
    this.lines.push(formatDeployEvent(event));
  };

  of<K extends DeployEvent["type"]>(type: K): Array<Extract<DeployEvent, { type: K }> & { at: number }> {
    return this.events.filter((e) => e.type === type) as Array<Extract<DeployEvent, { type: K }> & { at: number }>;
  }

  retries(pathPart?: string): RetryEvent[] {
    return this.of("retry")
      .map((e) => e.retry)
      .filter((r) => pathPart === undefined || r.path.includes(pathPart));
  }

  uploadRetries(): RetryEvent[] {
    return this.retries("/workers/assets/upload");
  }
}

// ---------------------------------------------------------------------------------------------------------------
// End-state checks

/** The emulator's own store code, pointed at its data dir; only `read` is used. */
export async function storeReader(h: Harness, target: ScriptTarget): Promise<{ store: BlobStore; scope: StoreScope }> {
  const store = new BlobStore(path.join(h.emu.dataDir, "blobs"), path.join(h.emu.dataDir, "tmp"));
  if (!target.namespace) return { store, scope: { account: target.accountId, kind: "account" } };
  const state = await readState(h.emu.dataDir);
  const ns = state.accounts.get(target.accountId)?.namespaces.get(target.namespace);
  if (!ns) throw new Error(`namespace ${target.namespace} not in the emulator's stored state`);
  return { store, scope: { account: target.accountId, kind: "namespace", namespaceId: ns.id } };
}

export async function readStoredBlob(h: Harness, target: ScriptTarget, hash: string): Promise<{ bytes: Buffer; contentType: string | null } | undefined> {
  const { store, scope } = await storeReader(h, target);
  const blob = await store.read(scope, hash);
  if (!blob) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of blob.stream) chunks.push(chunk as Buffer);
  return { bytes: Buffer.concat(chunks), contentType: blob.contentType };
}

export function storeKeyOf(target: ScriptTarget): string {
  return target.namespace ? `namespace:${target.namespace}` : "account";
}

export function scriptStats(stats: EmulatorStats, target: ScriptTarget) {
  const account = stats.accounts[target.accountId];
  return target.namespace ? account?.namespaces[target.namespace]?.scripts[target.scriptName] : account?.scripts[target.scriptName];
}

/**
 * The site is live exactly as declared: the script's stored manifest is the source manifest, and every stored
 * blob is byte-identical to its source file, hashes to its key, and carries the file's media type.
 */
export async function expectSiteLive(h: Harness, target: ScriptTarget, built: BuiltManifest, hashSalt?: string): Promise<void> {
  const stats = await h.emu.stats();
  const script = scriptStats(stats, target);
  expect(script, `script ${target.scriptName} exists`).toBeDefined();
  expect(script!.hasAssets).toBe(true);
  expect(script!.manifest).toEqual(built.manifest);
  const checked = new Set<string>();
  for (const file of built.files) {
    if (checked.has(file.hash)) continue;
    checked.add(file.hash);
    const stored = await readStoredBlob(h, target, file.hash);
    expect(stored, `blob ${file.hash} (${file.key}) is stored`).toBeDefined();
    const source = await readFile(file.absolutePath);
    expect(stored!.bytes.equals(source), `blob ${file.hash} equals ${file.key}`).toBe(true);
    expect(hashAssetBytes(stored!.bytes, file.extension, hashSalt)).toBe(file.hash);
    // Stored with the part's whole Content-Type, parameters included, as Cloudflare serves it back.
    expect(stored!.contentType ?? "application/null").toBe(file.contentType);
  }
}

/**
 * No file was uploaded more often than the client's attempts explain: each stored copy of a hash came from an
 * attempt of a bucket request that carried it. Also ties those attempts to the "retry" progress events.
 */
export async function expectUploadsExplained(h: Harness, target: ScriptTarget, client: TrackingClient, progress: ProgressRecorder): Promise<void> {
  const store = (await h.emu.stats()).accounts[target.accountId]?.stores[storeKeyOf(target)];
  const attemptsByHash = new Map<string, number>();
  for (const call of client.uploads) for (const hash of call.hashes) attemptsByHash.set(hash, (attemptsByHash.get(hash) ?? 0) + call.attempts.length);
  for (const [hash, count] of Object.entries(store?.perHash ?? {})) {
    expect(count, `uploads of ${hash}`).toBeLessThanOrEqual(attemptsByHash.get(hash) ?? 0);
  }
  const extraAttempts = client.uploads.reduce((n, call) => n + call.attempts.length - 1, 0);
  expect(progress.uploadRetries().length).toBe(extraAttempts);
}

/** Every hash of the store was stored exactly once (faults before the handler never commit a part). */
export async function expectEachUploadedOnce(h: Harness, target: ScriptTarget, built: BuiltManifest): Promise<void> {
  const store = (await h.emu.stats()).accounts[target.accountId]?.stores[storeKeyOf(target)];
  const expected = Object.fromEntries([...uniqueHashes(built)].map((hash) => [hash, 1]));
  expect(store?.perHash).toEqual(expected);
}

/** No progress line, event, error message or emulator log line contains the API token or any JWT. */
export function expectNoSecrets(h: Harness, texts: Iterable<string>): void {
  const jwts = new Set<string>();
  for (const c of h.clients) for (const jwt of c.jwts) jwts.add(jwt);
  const all = [...texts, ...h.emulatorLog];
  for (const text of all) {
    expect(text).not.toContain(API_TOKEN);
    expect(text).not.toMatch(JWT_PATTERN);
    for (const jwt of jwts) expect(text.includes(jwt)).toBe(false);
  }
}

/** An error's message and the messages of its whole cause chain. */
export function errorTexts(error: unknown): string[] {
  const out: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    if (e instanceof Error) {
      out.push(e.message, String(e.stack ?? ""));
      e = e.cause;
    } else {
      out.push(String(e));
      break;
    }
  }
  return out;
}

export async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
