import { randomBytes } from "node:crypto";
import { readFile, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { isGeneratedId } from "../model/names.js";
import type { ManifestEntry } from "../model/session-manifest.js";
import { writeFileAtomic } from "./atomic.js";
import type { ObjectStore } from "./objects.js";

/**
 * Upload sessions: what a session's JWTs are bound to (account, route family, script) and the manifest it
 * announced. Persisted (sessions/<id>.json + the manifest as an object) so an upload JWT stays usable across a
 * restart with the same data directory; cached in memory because every upload request consults the manifest.
 */

export type SessionScope = { kind: "namespace"; namespace: string; namespaceId: string } | { kind: "account" };

export interface UploadSession {
  id: string;
  account: string;
  scope: SessionScope;
  script: string;
  manifestRef: string;
  /** path → entry, in the order the client sent. */
  manifest: Map<string, ManifestEntry>;
  /** unique hash → size. */
  hashSizes: Map<string, number>;
  createdAt: number;
  /** epoch seconds; the upload JWT expires at the same moment. */
  expiresAt: number;
}

/** Each cached session holds its manifest (up to 100k entries), so the cache is kept small. */
const MAX_CACHED_SESSIONS = 64;

const sessionFileSchema = z.object({
  id: z.string(),
  account: z.string(),
  scope: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("namespace"), namespace: z.string(), namespaceId: z.string() }),
    z.object({ kind: z.literal("account") }),
  ]),
  script: z.string(),
  manifestRef: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
});
const manifestObjectSchema = z.array(z.tuple([z.string(), z.string(), z.number()]));

export class SessionStore {
  private readonly cache = new Map<string, UploadSession>();

  constructor(
    private readonly dir: string,
    private readonly objects: ObjectStore,
  ) {}

  async create(input: Omit<UploadSession, "id" | "manifestRef" | "hashSizes">): Promise<UploadSession> {
    const id = randomBytes(16).toString("hex");
    const manifestRef = await this.objects.putJson([...input.manifest].map(([p, e]) => [p, e.hash, e.size]));
    const session: UploadSession = { ...input, id, manifestRef, hashSizes: hashSizesOf(input.manifest) };
    const { manifest: _manifest, hashSizes: _sizes, ...file } = session;
    await writeFileAtomic(this.file(id), JSON.stringify(file));
    this.remember(session);
    return session;
  }

  /** The session, or undefined when it never existed, was pruned or its files are unreadable. */
  async get(id: string): Promise<UploadSession | undefined> {
    if (!isGeneratedId(id)) return undefined;
    const cached = this.cache.get(id);
    if (cached) return cached;
    const text = await readFile(this.file(id), "utf8").catch(() => undefined);
    if (text === undefined) return undefined;
    const parsed = sessionFileSchema.safeParse(safeJson(text));
    if (!parsed.success) return undefined;
    const manifest = await this.loadManifest(parsed.data.manifestRef);
    if (!manifest) return undefined;
    const session: UploadSession = { ...parsed.data, manifest, hashSizes: hashSizesOf(manifest) };
    this.remember(session);
    return session;
  }

  async loadManifest(ref: string): Promise<Map<string, ManifestEntry> | undefined> {
    const parsed = manifestObjectSchema.safeParse(await this.objects.getJson(ref).catch(() => undefined));
    if (!parsed.success) return undefined;
    return new Map(parsed.data.map(([p, hash, size]) => [p, { hash, size }]));
  }

  /** Deletes expired sessions; returns the manifest refs of the live ones (they must survive garbage collection). */
  async pruneExpired(nowSeconds: number): Promise<Set<string>> {
    const live = new Set<string>();
    for (const [id, s] of this.cache) if (s.expiresAt <= nowSeconds) this.cache.delete(id);
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      const id = name.endsWith(".json") ? name.slice(0, -5) : undefined;
      if (!id || !isGeneratedId(id)) continue;
      const text = await readFile(path.join(this.dir, name), "utf8").catch(() => undefined);
      const parsed = text === undefined ? undefined : sessionFileSchema.safeParse(safeJson(text));
      if (!parsed?.success || parsed.data.expiresAt <= nowSeconds) {
        await rm(path.join(this.dir, name), { force: true });
        continue;
      }
      live.add(parsed.data.manifestRef);
    }
    return live;
  }

  /** Caches a session; expired ones are dropped and the cache is bounded (evicted ones reload from disk). */
  private remember(session: UploadSession): void {
    const now = Date.now() / 1000;
    for (const [id, s] of this.cache) if (s.expiresAt <= now) this.cache.delete(id);
    while (this.cache.size >= MAX_CACHED_SESSIONS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(session.id, session);
  }

  private file(id: string): string {
    if (!isGeneratedId(id)) throw new Error(`invalid session id: ${id}`);
    return path.join(this.dir, `${id}.json`);
  }
}

function hashSizesOf(manifest: Map<string, ManifestEntry>): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const entry of manifest.values()) if (!sizes.has(entry.hash)) sizes.set(entry.hash, entry.size);
  return sizes;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
