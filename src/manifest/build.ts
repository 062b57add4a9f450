import fs from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { contentTypeFor } from "./content-type.js";
import { compareKeys } from "./digest.js";
import { describeFsError, errnoCode, ManifestError } from "./errors.js";
import { assetExtension } from "./hash.js";
import { HashCache, resolveHashCacheDirectory } from "./hash-cache.js";
import { hashFiles, type FileDigest, type HashJob } from "./hash-file.js";
import { assertNotPagesWorkerJs, HEADERS_FILE, loadIgnoreRules, REDIRECTS_FILE } from "./ignore-rules.js";
import { resolveMaxFiles } from "./limits.js";
import { manifestJsonText, type ManifestInput } from "./manifest-input.js";
import type { AssetFile, BuildManifestOptions, BuiltManifest, Manifest } from "./types.js";
import { isInsideOrSame, walkAssetDirectory } from "./walk.js";

/**
 * Files above one chunk (192 KiB) streamed at once. Small files are read synchronously and do not use it.
 * bench/ on 2 cores, 1 MiB files: no consistent gain from 1 to 32 in flight (hashing is CPU-bound on the
 * main thread), so a low default that bounds memory to four 192 KiB buffers; raise it for high-latency disks.
 */
export const DEFAULT_HASH_CONCURRENCY = 4;

const optionsSchema = z.object({
  ignore: z.array(z.string()).optional(),
  hashSalt: z.string().optional(),
  // maxFiles is validated by resolveMaxFiles, which owns its error code and message.
  maxFiles: z.unknown().optional(),
  concurrency: z.number().int().min(1).max(256).optional(),
  hashCache: z.union([z.boolean(), z.string().min(1)]).optional(),
});

/**
 * Directory → manifest, with everything a deploy needs and nothing sent anywhere: walk (ignore rules,
 * symlink checks, file-count limit), then hash (size limit), then the root `_headers` / `_redirects` text.
 * Every limit fails here, before any network call, with an error naming the file and the limit.
 */
export async function buildManifest(directory: string, options: BuildManifestOptions = {}): Promise<BuiltManifest> {
  const scan = await scanAssetDirectory(directory, options);
  const manifest: Manifest = {};
  const files: AssetFile[] = [];
  let totalBytes = 0;
  scan.jobs.forEach((job, index) => {
    const { hash, size } = scan.digests[index]!;
    manifest[job.key] = { hash, size };
    files.push({ ...job, hash, size, contentType: contentTypeFor(job.key) });
    totalBytes += size;
  });
  return {
    directory: scan.root,
    manifest,
    files,
    ...scan.rootConfig,
    ignored: scan.ignored,
    fileCount: files.length,
    totalBytes,
    ...(scan.hashCacheHits === undefined ? {} : { hashCacheHits: scan.hashCacheHits }),
  };
}

/**
 * The same walk, checks and hashes, answered as a Pulumi program's `manifest` input (manifest-input.ts): the JSON
 * text is written straight from the sorted keys and hashes, without the per-file manifest and file list that
 * `buildManifest` returns (for 100,000 files those two held ~40 MiB more for the length of the build).
 */
export async function buildManifestInput(directory: string, options: BuildManifestOptions = {}): Promise<ManifestInput> {
  const scan = await scanAssetDirectory(directory, options);
  return {
    manifestJson: manifestJsonText(scan.jobs.map((job, index) => [job.key, scan.digests[index]!.hash] as const)),
    fileCount: scan.jobs.length,
    ...scan.rootConfig,
  };
}

interface DirectoryScan {
  root: string;
  /** sorted by key */
  jobs: HashJob[];
  /** the hash and size of each job, in job order */
  digests: FileDigest[];
  ignored: string[];
  rootConfig: { headers?: string; redirects?: string };
  hashCacheHits?: number;
}

/**
 * Walk, checks and the sorted hash jobs. Its own function so that the walk's result and the ignore rules' cache
 * (~25 MiB for 100,000 files) are garbage before hashing starts: an async function keeps every local alive across
 * its awaits.
 */
async function listAssets(root: string, ignore: string[], maxFiles: number): Promise<{ jobs: HashJob[]; ignored: string[] }> {
  const rules = await loadIgnoreRules(root, ignore);
  const walked = await walkAssetDirectory(root, { rules, maxFiles });
  for (const file of walked.files) assertNotPagesWorkerJs(file.relativePath, rules, root);
  const ignored = walked.ignored.sort(compareKeys);
  if (walked.files.length === 0) {
    throw new ManifestError(
      "empty-directory",
      `Asset directory ${root} has no files to upload` +
        (ignored.length > 0 ? ` (${ignored.length} ignored: ${preview(ignored)})` : "") +
        `. Build the site into it first, or relax .assetsignore / the ignore patterns.`,
      { path: root },
    );
  }
  const jobs = walked.files
    .map((file) => {
      // One flat string (Array#join), not "/" + path: a kept string tree costs about twice the memory (walk.ts).
      const key = ["", file.relativePath].join("/");
      return { key, absolutePath: file.absolutePath, extension: assetExtension(key) };
    })
    .sort((a, b) => compareKeys(a.key, b.key));
  return { jobs, ignored };
}

async function scanAssetDirectory(directory: string, options: BuildManifestOptions): Promise<DirectoryScan> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new TypeError(`buildManifest: invalid options: ${z.prettifyError(parsed.error)}`);
  const { ignore = [], hashSalt, concurrency = DEFAULT_HASH_CONCURRENCY, hashCache } = parsed.data;
  const startedMs = Date.now();
  const maxFiles = resolveMaxFiles(options.maxFiles);

  const root = await resolveAssetDirectory(directory);
  const { jobs, ignored } = await listAssets(root, ignore, maxFiles);
  const [headers, redirects] = await Promise.all([readRootConfigFile(root, HEADERS_FILE), readRootConfigFile(root, REDIRECTS_FILE)]);
  const { digests, hashCacheHits } = await hashAssets(root, jobs, { hashSalt, concurrency, hashCache, startedMs });
  return {
    root,
    jobs,
    digests,
    ignored,
    rootConfig: { ...(headers === undefined ? {} : { headers }), ...(redirects === undefined ? {} : { redirects }) },
    ...(hashCacheHits === undefined ? {} : { hashCacheHits }),
  };
}

/** The hashes of the jobs, through the hash cache if asked for; the cache (~20 MiB for 100,000 files) dies here. */
async function hashAssets(
  root: string,
  jobs: readonly HashJob[],
  options: { hashSalt: string | undefined; concurrency: number; hashCache: boolean | string | undefined; startedMs: number },
): Promise<{ digests: FileDigest[]; hashCacheHits?: number }> {
  const { hashSalt, concurrency } = options;
  const cacheDirectory = resolveHashCacheDirectory(options.hashCache);
  const cache = cacheDirectory === undefined ? undefined : HashCache.open(cacheDirectory, root, hashSalt, options.startedMs);
  const digests = await hashFiles(jobs, { ...(hashSalt === undefined ? {} : { hashSalt }), concurrency, ...(cache ? { cache } : {}) });
  cache?.save();
  return { digests, ...(cache ? { hashCacheHits: cache.hits } : {}) };
}

/** Absolute real path of the asset directory, or a clear error for a missing path or a file. */
async function resolveAssetDirectory(directory: string): Promise<string> {
  const absolute = path.resolve(directory);
  let stats;
  try {
    stats = await fs.stat(absolute);
  } catch (error) {
    if (errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR") {
      throw new ManifestError(
        "directory-missing",
        `Asset directory ${absolute} does not exist` +
          (directory === absolute ? "" : ` ("${directory}" resolved against ${process.cwd()})`) +
          `. Build the site first, or pass the directory the build writes to.`,
        { path: absolute, cause: error },
      );
    }
    throw new ManifestError("unreadable-file", `Cannot read asset directory ${absolute}: ${describeFsError(error)}. Fix its permissions.`, {
      path: absolute,
      cause: error,
    });
  }
  if (!stats.isDirectory()) {
    throw new ManifestError(
      "not-a-directory",
      `${absolute} is a file, not a directory. Pass the directory that contains the site's files (e.g. its parent, ${path.dirname(absolute)}).`,
      { path: absolute },
    );
  }
  return fs.realpath(absolute);
}

/**
 * Text of `<root>/_headers` or `<root>/_redirects`, which Cloudflare takes as asset config (the server parses
 * it). A link is read only if it stays inside the root, like any asset: this text is sent to Cloudflare.
 */
async function readRootConfigFile(root: string, name: string): Promise<string | undefined> {
  const file = path.join(root, name);
  try {
    const target = await fs.realpath(file);
    if (!isInsideOrSame(target, root)) {
      throw new ManifestError(
        "symlink-escape",
        `${file} is a symbolic link to ${target}, outside the asset directory ${root}. Copy the file in instead.`,
        { path: file },
      );
    }
    if (!(await fs.stat(target)).isFile()) return undefined;
    return await fs.readFile(target, "utf8");
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    if (errnoCode(error) === "ENOENT") return undefined;
    if (errnoCode(error) === "ELOOP") {
      throw new ManifestError("symlink-loop", `${file} is a symbolic link that resolves in a loop (ELOOP). Fix or remove it.`, {
        path: file,
        cause: error,
      });
    }
    throw new ManifestError("unreadable-file", `Cannot read ${file}: ${describeFsError(error)}. Fix its permissions.`, {
      path: file,
      cause: error,
    });
  }
}

function preview(paths: readonly string[]): string {
  const shown = paths.slice(0, 5).join(", ");
  return paths.length > 5 ? `${shown}, …` : shown;
}
