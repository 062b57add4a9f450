import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { copyFile, link, mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { isAccountId, isGeneratedId, isResourceName, isSha256Hex } from "../model/names.js";
import type { BlobStore, StoreScope } from "../store/blobs.js";
import type { ManifestEntry } from "../model/session-manifest.js";
import { assetTypesOf } from "./asset-types.js";
import type { DeployedSite } from "./site-lookup.js";

/**
 * Writes a deployed version's assets out as a directory Miniflare can serve:
 * `<root>/<account>/<ns-<namespace id>|account>/<script>/<version key>/`. The version key (ScriptRecord.versionKey)
 * digests everything deployed (manifest, asset config, modules), so a directory, once complete, never changes: it is built under a temporary
 * name and renamed into place, and reused across restarts. Blob files carry a header before the bytes, so they
 * are copied, not linked; files whose hash the site's previous version already had are hard-linked from it.
 * `_headers` / `_redirects` come from the stored asset config, where Miniflare reads them (it never serves them).
 */

/** Files Miniflare reads as configuration rather than serves; the asset config, not the manifest, supplies them. */
const CONFIG_FILES = new Set(["/_headers", "/_redirects", "/.assetsignore"]);
const COPY_CONCURRENCY = 8;

export interface MaterializerDeps {
  root: string;
  blobs: BlobStore;
  loadManifest(ref: string): Promise<Map<string, ManifestEntry> | undefined>;
  warn(line: string): void;
}

/** A built version directory and the file each hash was written to (for linking into the next version). */
export interface MaterializedVersion {
  dir: string;
  filesByHash: Map<string, string>;
  /** Miniflare's ETag of each file → the content type it was uploaded with (asset-types.ts). */
  assetTypes: Map<string, string | null>;
}

export class SiteMaterializer {
  constructor(private readonly deps: MaterializerDeps) {}

  /** The directory holding every version of a site. */
  siteDir(site: Pick<DeployedSite, "account" | "namespace" | "script">): string {
    // Re-checked here because these become path segments (the routes validated them on the way in).
    if (!isAccountId(site.account)) throw new Error(`invalid account id: ${site.account}`);
    if (!isResourceName(site.script)) throw new Error(`invalid script name: ${site.script}`);
    if (site.namespace !== undefined && !isGeneratedId(site.namespace.id)) throw new Error(`invalid namespace id: ${site.namespace.id}`);
    const store = site.namespace === undefined ? "account" : `ns-${site.namespace.id}`;
    return path.join(this.deps.root, site.account, store, site.script);
  }

  versionDir(site: DeployedSite): string {
    if (!isSha256Hex(site.record.versionKey)) throw new Error(`invalid version key for ${site.script}: ${site.record.versionKey}`);
    return path.join(this.siteDir(site), site.record.versionKey);
  }

  /** Builds (or reuses) the version directory of `site`; `previous` is the site's version being served now. */
  async materialize(site: DeployedSite, previous: MaterializedVersion | undefined): Promise<MaterializedVersion> {
    const dir = this.versionDir(site);
    const manifest = site.record.manifestRef ? await this.deps.loadManifest(site.record.manifestRef) : new Map<string, ManifestEntry>();
    if (!manifest) throw new Error(`the asset manifest of ${site.script} (${site.record.manifestRef}) is missing from the data directory`);
    const wanted = this.plannedFiles(site, manifest);
    const filesByHash = new Map<string, string>();
    for (const [rel, entry] of wanted) if (!filesByHash.has(entry.hash)) filesByHash.set(entry.hash, path.join(dir, rel));
    const scope = scopeOf(site);
    const types = () => assetTypesOf(dir, [...wanted].map(([rel, e]) => [rel, e.hash] as [string, string]), (hash) => this.deps.blobs.contentTypeOf(scope, hash));
    if (await isDirectory(dir)) return { dir, filesByHash, assetTypes: await types() };

    const building = path.join(this.siteDir(site), `.building-${site.record.versionKey}-${randomBytes(4).toString("hex")}`);
    await mkdir(building, { recursive: true });
    try {
      await this.writeAssets(site, building, wanted, previous);
      await writeConfigFiles(building, site.record.assetConfig);
      await rename(building, dir).catch(async (err: NodeJS.ErrnoException) => {
        // Another build of the same version won the rename; its directory is identical.
        if (err.code !== "EEXIST" && err.code !== "ENOTEMPTY") throw err;
        await rm(building, { recursive: true, force: true });
      });
    } catch (err) {
      await rm(building, { recursive: true, force: true });
      throw err;
    }
    return { dir, filesByHash, assetTypes: await types() };
  }

  /**
   * Removes version directories that are neither listed in `keep` nor the current version of a deployed script,
   * directories of scripts that are gone, and builds cut off by a crash.
   */
  async sweep(keep: ReadonlySet<string>): Promise<void> {
    for (const account of await listDir(this.deps.root)) {
      const accountDir = path.join(this.deps.root, account);
      for (const store of await listDir(accountDir)) {
        const storeDir = path.join(accountDir, store);
        for (const script of await listDir(storeDir)) {
          const scriptDir = path.join(storeDir, script);
          const versions = await listDir(scriptDir);
          let kept = 0;
          for (const version of versions) {
            const dir = path.join(scriptDir, version);
            if (keep.has(dir)) kept++;
            else await rm(dir, { recursive: true, force: true });
          }
          if (kept === 0) await rm(scriptDir, { recursive: true, force: true });
        }
      }
    }
  }

  private plannedFiles(site: DeployedSite, manifest: Map<string, ManifestEntry>): Map<string, ManifestEntry> {
    const wanted = new Map<string, ManifestEntry>();
    for (const [key, entry] of manifest) {
      if (CONFIG_FILES.has(key)) {
        this.deps.warn(`site ${site.script}: the uploaded asset ${key} is not served locally (Miniflare would read it as configuration); its _headers/_redirects come from the asset config.`);
        continue;
      }
      const rel = safeRelativePath(key);
      if (rel === undefined) {
        this.deps.warn(`site ${site.script}: skipping asset path ${JSON.stringify(key)}: it cannot be written as a file.`);
        continue;
      }
      wanted.set(rel, entry);
    }
    return wanted;
  }

  private async writeAssets(site: DeployedSite, dir: string, wanted: Map<string, ManifestEntry>, previous: MaterializedVersion | undefined): Promise<void> {
    const scope = scopeOf(site);
    const writtenByHash = new Map<string, string>();
    const entries = [...wanted];
    let next = 0;
    const worker = async () => {
      while (next < entries.length) {
        const [rel, entry] = entries[next++]!;
        const file = path.join(dir, rel);
        try {
          await mkdir(path.dirname(file), { recursive: true });
          const source = writtenByHash.get(entry.hash) ?? previous?.filesByHash.get(entry.hash);
          if (!(source && (await linkOrCopy(source, file)))) await this.copyBlob(scope, entry.hash, file, site.script);
          if (!writtenByHash.has(entry.hash)) writtenByHash.set(entry.hash, file);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          // "/a" and "/a/b" cannot both be files; Cloudflare's key-value store has no such limit.
          if (code !== "ENOTDIR" && code !== "EEXIST" && code !== "EISDIR") throw err;
          this.deps.warn(`site ${site.script}: skipping asset /${rel}: a file and a directory share that path.`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, entries.length) }, worker));
  }

  private async copyBlob(scope: StoreScope, hash: string, file: string, script: string): Promise<void> {
    const blob = await this.deps.blobs.read(scope, hash);
    if (!blob) {
      this.deps.warn(`site ${script}: asset ${hash} is missing from the store; ${file} is left out.`);
      return;
    }
    await pipeline(blob.stream, createWriteStream(file, { flags: "wx" }));
  }
}

function scopeOf(site: DeployedSite): StoreScope {
  return site.namespace === undefined ? { account: site.account, kind: "account" } : { account: site.account, kind: "namespace", namespaceId: site.namespace.id };
}

/** The manifest key as a relative file path, or undefined when it could escape the directory. */
export function safeRelativePath(key: string): string | undefined {
  if (!key.startsWith("/")) return undefined;
  const segments = key.slice(1).split("/");
  const unsafe = (s: string) => s === "" || s === "." || s === ".." || s.includes("\\") || s.includes("\0");
  if (segments.some(unsafe)) return undefined;
  return segments.join(path.sep);
}

async function writeConfigFiles(dir: string, config: Record<string, unknown>): Promise<void> {
  for (const name of ["_headers", "_redirects"] as const) {
    const text = config[name];
    if (typeof text === "string") await writeFile(path.join(dir, name), text);
  }
}

async function linkOrCopy(source: string, target: string): Promise<boolean> {
  try {
    await link(source, target);
    return true;
  } catch {
    // Another filesystem, or the source was swept: fall back to a copy, then to the blob.
    return copyFile(source, target).then(
      () => true,
      () => false,
    );
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  return stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function listDir(dir: string): Promise<string[]> {
  return readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT" || err.code === "ENOTDIR") return [];
    throw err;
  });
}
