// buildManifest (walk + ignore rules + hash) against the raw floor: a readFileSync + hashAssetBytes loop over
// a precomputed file list, i.e. the same hash with no walk, no checks and no bookkeeping.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const distManifest = fileURLToPath(new URL("../dist/manifest/index.js", import.meta.url));

export const name = "manifest-build";
export const description = "files/s, median of the rounds (higher is better)";

const SITE = { directories: 100, filesPerDirectory: 200, fileSize: 4096, extensions: ["html", "css", "js", "json", "txt"], seed: 20261122 };
const LARGE = { directories: 4, filesPerDirectory: 12, fileSize: 1024 * 1024 + 1, extensions: ["bin", "jpg", "mp4"], seed: 7 };
const LARGE_CONCURRENCY = [1, 2, 4, 8, 16, 32];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function timed(fn) {
  const start = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - start) / 1000, value };
}

function rawLoop(manifest, root, files) {
  const hashes = new Map();
  for (const relative of files) {
    const bytes = fs.readFileSync(path.join(root, relative));
    hashes.set(`/${relative}`, manifest.hashAssetBytes(bytes, manifest.assetExtension(relative)));
  }
  return hashes;
}

async function promisesPool(manifest, root, files, concurrency) {
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const relative = files[next++];
      const bytes = await fs.promises.readFile(path.join(root, relative));
      manifest.hashAssetBytes(bytes, manifest.assetExtension(relative));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Peak RSS of a fresh Node process that only runs buildManifest: what the library itself needs. */
function peakRssMiB(root) {
  const script = `require(${JSON.stringify(distManifest)}).buildManifest(${JSON.stringify(root)}).then(() => {
    process.stdout.write(String(process.resourceUsage().maxRSS));
  });`;
  const baseline = Number(execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.resourceUsage().maxRSS))"]));
  const peak = Number(execFileSync(process.execPath, ["-e", script]));
  return { processBaseline: Math.round(baseline / 1024), buildManifest: Math.round(peak / 1024) };
}

function assertSameHashes(built, floor) {
  for (const [key, hash] of floor) {
    if (built.manifest[key]?.hash !== hash) throw new Error(`bench sanity check: ${key} hashed differently by buildManifest and the raw loop`);
  }
  if (built.fileCount !== floor.size) throw new Error(`bench sanity check: ${built.fileCount} files built, ${floor.size} in the raw loop`);
}

export async function run({ manifest, scratch, rounds, writeSyntheticSite }) {
  // Site of small files: the common case, and the one the 0.5 × floor target is about.
  const siteRoot = path.join(scratch, "site");
  const siteFiles = writeSyntheticSite(siteRoot, SITE);
  const siteBytes = siteFiles.length * SITE.fileSize;
  const build = [];
  const floor = [];
  const promises16 = [];
  for (let round = 0; round < rounds; round++) {
    const raw = await timed(() => rawLoop(manifest, siteRoot, siteFiles));
    const built = await timed(() => manifest.buildManifest(siteRoot));
    if (round === 0) assertSameHashes(built.value, raw.value);
    const pooled = await timed(() => promisesPool(manifest, siteRoot, siteFiles, 16));
    floor.push(siteFiles.length / raw.seconds);
    build.push(siteFiles.length / built.seconds);
    promises16.push(siteFiles.length / pooled.seconds);
  }

  const siteRss = peakRssMiB(siteRoot);

  // A few large files: streamed with async reads, so concurrency matters here (and only here).
  const largeRoot = path.join(scratch, "large");
  const largeFiles = writeSyntheticSite(largeRoot, LARGE);
  const largeMiB = (largeFiles.length * LARGE.fileSize) / 1024 / 1024;
  const largeFloor = [];
  const largeBuild = Object.fromEntries(LARGE_CONCURRENCY.map((c) => [c, []]));
  for (let round = 0; round < rounds; round++) {
    largeFloor.push(largeMiB / (await timed(() => rawLoop(manifest, largeRoot, largeFiles))).seconds);
    for (const concurrency of LARGE_CONCURRENCY) {
      largeBuild[concurrency].push(largeMiB / (await timed(() => manifest.buildManifest(largeRoot, { concurrency }))).seconds);
    }
  }

  const largeRss = peakRssMiB(largeRoot);

  const figures = {
    site: { ...SITE, files: siteFiles.length, bytes: siteBytes },
    filesPerSecond: {
      buildManifest: Math.round(median(build)),
      rawReadFileSyncHashLoop: Math.round(median(floor)),
      fsPromisesReadFileHashPool16: Math.round(median(promises16)),
      allRounds: { buildManifest: build.map(Math.round), rawReadFileSyncHashLoop: floor.map(Math.round) },
    },
    ratioBuildToFloor: Number((median(build) / median(floor)).toFixed(2)),
    peakRssMiB: { site: siteRss, large: largeRss },
    large: {
      ...LARGE,
      files: largeFiles.length,
      mebibytes: Number(largeMiB.toFixed(1)),
      mebibytesPerSecond: {
        rawReadFileSyncHashLoop: Math.round(median(largeFloor)),
        ...Object.fromEntries(LARGE_CONCURRENCY.map((c) => [`buildManifestConcurrency${c}`, Math.round(median(largeBuild[c]))])),
      },
    },
  };

  const rows = [
    { measurement: `raw readFileSync + hash loop (${siteFiles.length} × 4 KiB)`, value: figures.filesPerSecond.rawReadFileSyncHashLoop, unit: "files/s" },
    { measurement: "buildManifest (walk + ignore + hash)", value: figures.filesPerSecond.buildManifest, unit: "files/s" },
    { measurement: "ratio buildManifest / raw loop", value: figures.ratioBuildToFloor, unit: "×" },
    { measurement: "reference: fs.promises.readFile + hash, 16 in flight", value: figures.filesPerSecond.fsPromisesReadFileHashPool16, unit: "files/s" },
    { measurement: "peak RSS, fresh process: empty / buildManifest(site)", value: `${siteRss.processBaseline} / ${siteRss.buildManifest}`, unit: "MiB" },
    { measurement: `raw loop, ${largeFiles.length} × 1 MiB`, value: figures.large.mebibytesPerSecond.rawReadFileSyncHashLoop, unit: "MiB/s" },
    ...LARGE_CONCURRENCY.map((c) => ({
      measurement: `buildManifest, ${largeFiles.length} × 1 MiB, concurrency ${c}`,
      value: figures.large.mebibytesPerSecond[`buildManifestConcurrency${c}`],
      unit: "MiB/s",
    })),
    { measurement: `peak RSS, fresh process: buildManifest(${largeFiles.length} × 1 MiB)`, value: largeRss.buildManifest, unit: "MiB" },
  ];
  return { rows, figures };
}
