// buildManifest (walk + ignore rules + hash) against the raw floor: a readFileSync + hashAssetBytes loop over
// a precomputed file list, i.e. the same hash with no walk, no checks and no bookkeeping; and against wrangler's
// own manifest step (its buildAssetManifest, timed from its log lines), both in a fresh process.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { judge, loadAverage, median, timed } from "./lib/measure.mjs";
import { startEmulatorProcess } from "./lib/emulator.mjs";
import { flushWrites, SITE_20K } from "./lib/sites.mjs";
import { wranglerDeploy, writeWranglerProject } from "./lib/wrangler.mjs";

const distManifest = fileURLToPath(new URL("../dist/manifest/index.js", import.meta.url));

export const name = "manifest-build";
export const description = "files/s, median of the rounds (higher is better)";

const SITE = SITE_20K;
const LARGE = { directories: 4, filesPerDirectory: 12, fileSize: 1024 * 1024 + 1, extensions: ["bin", "jpg", "mp4"], seed: 7 };
const LARGE_CONCURRENCY = [1, 2, 4, 8, 16, 32];
/** Wrangler looks the script up before it builds the manifest, so it needs an API; it is stopped before uploading. */
const WRANGLER_NAMESPACE = "manifest-only";

/**
 * buildManifest in a fresh Node process, timed inside it around the call only (module loading excluded), which is
 * how wrangler's step is timed too: both start with a cold JIT, neither pays for process start-up here.
 */
function freshProcessBuild(node, root, hashCache) {
  const options = hashCache ? { hashCache } : {};
  const script = `const m = require(${JSON.stringify(distManifest)});
    const start = performance.now();
    m.buildManifest(${JSON.stringify(root)}, ${JSON.stringify(options)}).then((built) => process.stdout.write(JSON.stringify({ seconds: (performance.now() - start) / 1000, files: built.fileCount, hits: built.hashCacheHits })));`;
  return JSON.parse(execFileSync(node, ["-e", script], { encoding: "utf8" }));
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

export async function run({ manifest, scratch, rounds, writeSyntheticSite, repoRoot, node, log }) {
  // Site of small files: the common case, and the one the 0.5 × floor target is about.
  const siteRoot = path.join(scratch, "site");
  const siteFiles = writeSyntheticSite(siteRoot, SITE);
  flushWrites();
  const siteBytes = siteFiles.length * SITE.fileSize;
  const wranglerProject = path.join(scratch, "wrangler-project");
  writeWranglerProject(wranglerProject, { scriptName: "manifest-only", assetsDirectory: siteRoot });
  const emulator = await startEmulatorProcess({ repoRoot, node, dataDir: path.join(scratch, "emulator") });
  await emulator.createNamespace(WRANGLER_NAMESPACE);
  const build = [];
  const floor = [];
  const promises16 = [];
  const freshBuild = [];
  const wranglerStep = [];
  const warmCacheBuild = [];
  const hashCacheDir = path.join(scratch, "hash-cache");
  const loads = [];
  try {
    for (let round = 0; round < rounds; round++) {
      loads.push(loadAverage()[0]);
      const raw = await timed(() => rawLoop(manifest, siteRoot, siteFiles));
      const built = await timed(() => manifest.buildManifest(siteRoot));
      if (round === 0) assertSameHashes(built.value, raw.value);
      const pooled = await timed(() => promisesPool(manifest, siteRoot, siteFiles, 16));
      floor.push(siteFiles.length / raw.seconds);
      build.push(siteFiles.length / built.seconds);
      promises16.push(siteFiles.length / pooled.seconds);
      // Fresh processes, ours then wrangler's, on the same warm page cache.
      freshBuild.push(siteFiles.length / freshProcessBuild(node, siteRoot).seconds);
      // The site was written seconds ago: the first cached build may find files too fresh to remember (see
      // hash-cache.ts), so only builds that took every hash from the cache count.
      const cached = freshProcessBuild(node, siteRoot, hashCacheDir);
      if (cached.hits === siteFiles.length) warmCacheBuild.push(siteFiles.length / cached.seconds);
      const wrangler = await wranglerDeploy({
        repoRoot,
        node,
        projectDir: wranglerProject,
        namespace: WRANGLER_NAMESPACE,
        apiUrl: emulator.url,
        token: emulator.token,
        account: emulator.account,
        home: path.join(scratch, "wrangler-home"),
        stopAfterManifest: true,
      });
      wranglerStep.push(siteFiles.length / wrangler.manifestSeconds);
      log(`round ${round + 1}/${rounds}: floor ${Math.round(floor.at(-1))}, build ${Math.round(build.at(-1))}, fresh ${Math.round(freshBuild.at(-1))}, wrangler ${Math.round(wranglerStep.at(-1))} files/s`);
    }
  } finally {
    await emulator.close();
  }

  const siteRss = peakRssMiB(siteRoot);

  // A few large files: streamed with async reads, so concurrency matters here (and only here).
  const largeRoot = path.join(scratch, "large");
  const largeFiles = writeSyntheticSite(largeRoot, LARGE);
  flushWrites();
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

  const vsFloor = judge(median(build) / median(floor), { atLeast: 0.5 });
  const vsWrangler = judge(median(freshBuild) / median(wranglerStep), { atLeast: 3 });
  const figures = {
    site: { ...SITE, files: siteFiles.length, bytes: siteBytes },
    loadAverage1m: loads,
    filesPerSecond: {
      buildManifest: Math.round(median(build)),
      rawReadFileSyncHashLoop: Math.round(median(floor)),
      fsPromisesReadFileHashPool16: Math.round(median(promises16)),
      buildManifestFreshProcess: Math.round(median(freshBuild)),
      wranglerManifestStepFreshProcess: Math.round(median(wranglerStep)),
      buildManifestWarmHashCacheFreshProcess: Math.round(median(warmCacheBuild)),
      allRounds: {
        buildManifest: build.map(Math.round),
        rawReadFileSyncHashLoop: floor.map(Math.round),
        buildManifestFreshProcess: freshBuild.map(Math.round),
        wranglerManifestStepFreshProcess: wranglerStep.map(Math.round),
      },
    },
    ratioBuildToFloor: vsFloor.ratio,
    targetBuildToFloor: vsFloor,
    ratioBuildToWrangler: vsWrangler.ratio,
    targetBuildToWrangler: vsWrangler,
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
    { measurement: "ratio buildManifest / raw loop", value: vsFloor.ratio, unit: "×", target: vsFloor.target, met: vsFloor.met },
    { measurement: "buildManifest, fresh process", value: figures.filesPerSecond.buildManifestFreshProcess, unit: "files/s" },
    { measurement: "wrangler's manifest step, fresh process", value: figures.filesPerSecond.wranglerManifestStepFreshProcess, unit: "files/s" },
    { measurement: "ratio buildManifest / wrangler (fresh processes)", value: vsWrangler.ratio, unit: "×", target: vsWrangler.target, met: vsWrangler.met },
    { measurement: "ratio raw loop (the floor) / wrangler", value: Number((median(floor) / median(wranglerStep)).toFixed(2)), unit: "×" },
    {
      measurement: `buildManifest, fresh process, warm hash cache (${warmCacheBuild.length} rounds)`,
      value: Math.round(median(warmCacheBuild)),
      unit: "files/s",
    },
    { measurement: "ratio warm-cache buildManifest / wrangler", value: Number((median(warmCacheBuild) / median(wranglerStep)).toFixed(2)), unit: "×" },
    { measurement: "reference: fs.promises.readFile + hash, 16 in flight", value: figures.filesPerSecond.fsPromisesReadFileHashPool16, unit: "files/s" },
    { measurement: "peak RSS, fresh process: empty / buildManifest(site)", value: `${siteRss.processBaseline} / ${siteRss.buildManifest}`, unit: "MiB" },
    { measurement: `raw loop, ${largeFiles.length} × 1 MiB`, value: figures.large.mebibytesPerSecond.rawReadFileSyncHashLoop, unit: "MiB/s" },
    ...LARGE_CONCURRENCY.map((c) => ({
      measurement: `buildManifest, ${largeFiles.length} × 1 MiB, concurrency ${c}`,
      value: figures.large.mebibytesPerSecond[`buildManifestConcurrency${c}`],
      unit: "MiB/s",
    })),
    { measurement: `peak RSS, fresh process: buildManifest(${largeFiles.length} × 1 MiB)`, value: largeRss.buildManifest, unit: "MiB" },
    { measurement: "load average (1 min) per round", value: loads.join(" "), unit: "" },
  ];
  return { rows, figures };
}
