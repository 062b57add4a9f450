// A 100,000 × 4 KiB site — Cloudflare's per-version limit on paid plans and for Workers for Platforms — end to end
// (issue 20): cold deploy through the library (`wfp-assets deploy`) against `wrangler deploy --dispatch-namespace` of
// the same folder; then as a Pulumi stack (one UserWorkerAssets, default maxFiles): the cold `pulumi up` with the peak
// RSS of the program and of the provider, state bytes per file, a no-op `pulumi preview` against an empty stack's, and
// one changed file. `BENCH_SITE_100K_FILES=N` (a multiple of 200) runs the same at a smaller size, for a quick look.
import fs from "node:fs";
import path from "node:path";
import { libraryDeploy, measured } from "./deploy.mjs";
import { startEmulatorProcess } from "./lib/emulator.mjs";
import { judge, loadAverage, median, round } from "./lib/measure.mjs";
import { watchPeakRss } from "./lib/processes.mjs";
import { EMPTY_PROGRAM, PulumiProject, SITE_PROGRAM } from "./lib/pulumi.mjs";
import { flushWrites, SITE_100K, writeSyntheticSite } from "./lib/sites.mjs";
import { wranglerDeploy, writeWranglerProject } from "./lib/wrangler.mjs";

export const name = "site-100k";
export const description = "a 100,000 × 4 KiB site: memory, no-op preview, cold deploy vs wrangler, one change, state (lower is better)";

const TARGETS = { peakRssMiB: 400, previewRatio: 2.5, deployRatio: 0.5, stateBytesPerFile: 100 };
const SCRIPT = "site";
/** The program's manifest build runs in a child process (src/manifest/build-off-thread.ts): watched on its own. */
const MANIFEST_BUILD_PROCESS = { manifestBuild: /"entry":"[^"]*build-worker\.(js|ts)"/ };

/** `project.run(args, { watchRss: true })`, with the peak of the program's manifest-build child as `peaks.manifestBuild`. */
async function runWatched(project, args) {
  let watcher;
  const result = await project.run(args, { watchRss: true, onSpawn: (child) => (watcher = watchPeakRss(() => child.pid, MANIFEST_BUILD_PROCESS, 100)) });
  result.peaks.manifestBuild = watcher.stop().manifestBuild;
  return result;
}
const STACK_NAMESPACE = "stack";

export async function run({ repoRoot, node, scratch, rounds, log }) {
  const fileCount = Number(process.env.BENCH_SITE_100K_FILES ?? 100_000);
  const spec = { ...SITE_100K, directories: Math.max(1, Math.round(fileCount / SITE_100K.filesPerDirectory)) };
  const siteRoot = path.join(scratch, "site");
  log(`writing ${spec.directories * spec.filesPerDirectory} files…`);
  const siteFiles = writeSyntheticSite(siteRoot, spec);
  const wranglerProject = path.join(scratch, "wrangler-project");
  writeWranglerProject(wranglerProject, { scriptName: SCRIPT, assetsDirectory: siteRoot });
  flushWrites();
  const emulator = await startEmulatorProcess({ repoRoot, node, dataDir: path.join(scratch, "emulator") });
  try {
    // 1. Cold deploys of the same folder, each into a namespace of its own (so every file is uploaded). One round each
    // at this size (wrangler alone takes minutes); with --rounds 4 or more, a second round in the other order.
    const deploys = { library: [], wrangler: [] };
    const deployRounds = rounds >= 4 ? 2 : 1;
    for (let r = 0; r < deployRounds; r++) {
      for (const who of r % 2 === 0 ? ["library", "wrangler"] : ["wrangler", "library"]) {
        const namespace = `${who}-${r}`;
        const load = loadAverage()[0];
        const result =
          who === "library"
            ? await measured(emulator, namespace, () => libraryDeploy({ repoRoot, node, emulator, namespace, siteRoot }))
            : await measured(emulator, namespace, () =>
                wranglerDeploy({ repoRoot, node, projectDir: wranglerProject, namespace, apiUrl: emulator.url, token: emulator.token, account: emulator.account, home: path.join(scratch, "wrangler-home") }),
              );
        delete result.output;
        if (result.storedFiles !== siteFiles.length) throw new Error(`bench sanity check: ${who} stored ${result.storedFiles} of ${siteFiles.length} files`);
        deploys[who].push({ ...result, loadAverage1m: load });
        log(`cold deploy, ${who}: ${round(result.seconds)} s, client peak ${result.maxRssMiB} MiB`);
      }
    }

    // 2. The site as a Pulumi stack.
    await emulator.createNamespace(STACK_NAMESPACE);
    const env = {
      BENCH_ACCOUNT: emulator.account,
      BENCH_NAMESPACE: STACK_NAMESPACE,
      BENCH_SCRIPT: SCRIPT,
      BENCH_SITE_DIR: siteRoot,
      CLOUDFLARE_API_BASE_URL: emulator.url,
      CLOUDFLARE_API_TOKEN: emulator.token,
    };
    const site = await PulumiProject.create({ root: path.join(scratch, "site-stack"), name: "bench-site-100k", program: SITE_PROGRAM, env });
    const empty = await PulumiProject.create({ root: path.join(scratch, "empty-stack"), name: "bench-empty", program: EMPTY_PROGRAM, env });
    await site.initStack();
    await empty.initStack();
    await empty.run(["up", "--yes"]);

    log("cold pulumi up…");
    const coldLoad = loadAverage()[0];
    const cold = await runWatched(site, ["up", "--yes"]);
    const coldOutputs = await site.outputs();
    if (coldOutputs.uploadedFiles !== siteFiles.length) throw new Error(`bench sanity check: the cold up uploaded ${coldOutputs.uploadedFiles} of ${siteFiles.length} files`);
    log(`cold up ${round(cold.seconds)} s: program peak ${cold.peaks.program.peakMiB} MiB, provider peak ${cold.peaks.provider.peakMiB} MiB`);
    const siteState = await site.exportState();
    const emptyState = await empty.exportState();

    log("no-op previews, alternating with an empty stack's…");
    const previews = { empty: [], site: [] };
    const previewLoads = [];
    const previewRounds = Math.min(rounds, 3);
    for (let r = 0; r < previewRounds; r++) {
      previewLoads.push(loadAverage()[0]);
      for (const which of r % 2 === 0 ? ["empty", "site"] : ["site", "empty"]) {
        const run = await runWatched(which === "site" ? site : empty, ["preview"]);
        if (which === "site" && !/2 unchanged/.test(run.output)) throw new Error(`bench sanity check: the no-op preview planned changes:\n${run.output.slice(-2000)}`);
        previews[which].push(run);
      }
      log(`round ${r + 1}/${previewRounds}: empty ${round(previews.empty.at(-1).seconds)} s, site ${round(previews.site.at(-1).seconds)} s`);
    }

    // The same no-op preview without TypeScript type-checking (Pulumi's PULUMI_NODEJS_TRANSPILE_ONLY): the program's
    // floor without the compiler, which an empty type-checked program already spends ~340 MiB on.
    const transpileOnly = {};
    for (const [which, project] of [["empty", empty], ["site", site]]) {
      transpileOnly[which] = await runWatched(project.withEnv({ PULUMI_NODEJS_TRANSPILE_ONLY: "true" }), ["preview"]);
    }
    log(`transpile-only previews: program peak empty ${transpileOnly.empty.peaks.program.peakMiB} MiB, site ${transpileOnly.site.peaks.program.peakMiB} MiB`);

    log("one changed file…");
    const changed = siteFiles[4242 % siteFiles.length];
    const changedPath = path.join(siteRoot, changed);
    fs.writeFileSync(changedPath, `${fs.readFileSync(changedPath, "latin1").slice(0, 4000)} changed at ${Date.now()}`);
    const before = await emulator.storeCounters(STACK_NAMESPACE);
    const changePreview = await site.run(["preview", "--diff"]);
    if (!changePreview.output.includes(`/${changed}`)) throw new Error(`bench sanity check: preview --diff does not name /${changed}`);
    const changeUp = await runWatched(site, ["up", "--yes"]);
    const after = await emulator.storeCounters(STACK_NAMESPACE);
    const changeOutputs = await site.outputs();
    const change = {
      file: changed,
      previewSeconds: round(changePreview.seconds),
      upSeconds: round(changeUp.seconds),
      filesStoredByEmulator: after.files - before.files,
      uploadedFilesOutput: changeOutputs.uploadedFiles,
      programPeakRssMiB: changeUp.peaks.program.peakMiB,
      providerPeakRssMiB: changeUp.peaks.provider.peakMiB,
    };

    const med = (list, key) => median(list.map((entry) => entry[key]));
    const deployVerdict = judge(med(deploys.library, "seconds") / med(deploys.wrangler, "seconds"), { atMost: TARGETS.deployRatio });
    const previewSite = median(previews.site.map((p) => p.seconds));
    const previewEmpty = median(previews.empty.map((p) => p.seconds));
    const previewVerdict = judge(previewSite / previewEmpty, { atMost: TARGETS.previewRatio });
    const peakOf = (runs, who) => Math.max(...runs.map((r) => r.peaks?.[who]?.peakMiB ?? 0));
    const programPeak = peakOf([cold, changeUp, ...previews.site], "program");
    // The program's floor: an empty TypeScript stack, which ts-node type-checks (Pulumi's default; bench/README.md).
    const emptyProgramPeak = peakOf(previews.empty, "program");
    const providerPeak = peakOf([cold, changeUp, ...previews.site], "provider");
    const manifestBuildPeak = peakOf([cold, changeUp, ...previews.site], "manifestBuild");
    const bytesPerFile = siteState.length / siteFiles.length;
    const uploadedOne = change.filesStoredByEmulator === 1 && change.uploadedFilesOutput === 1;

    const figures = {
      site: { ...spec, files: siteFiles.length, bytes: siteFiles.length * spec.fileSize },
      coldDeploy: {
        library: { rounds: deploys.library, medianSeconds: round(med(deploys.library, "seconds")) },
        wrangler: { rounds: deploys.wrangler, medianSeconds: round(med(deploys.wrangler, "seconds")), manifestStepMedianSeconds: round(med(deploys.wrangler, "manifestSeconds")) },
        ratioLibraryToWrangler: deployVerdict.ratio,
        target: deployVerdict,
      },
      coldUp: {
        seconds: round(cold.seconds),
        loadAverage1m: coldLoad,
        cpuSeconds: cold.cpuSeconds,
        program: cold.peaks.program,
        provider: cold.peaks.provider,
      },
      transpileOnlyPreview: {
        programPeakMiB: { empty: transpileOnly.empty.peaks.program.peakMiB, site: transpileOnly.site.peaks.program.peakMiB },
        seconds: { empty: round(transpileOnly.empty.seconds), site: round(transpileOnly.site.seconds) },
      },
      peakRssMiB: { program: programPeak, manifestBuildChild: manifestBuildPeak, emptyStackProgram: emptyProgramPeak, provider: providerPeak, targetMiB: TARGETS.peakRssMiB, met: programPeak <= TARGETS.peakRssMiB && providerPeak <= TARGETS.peakRssMiB },
      noOpPreview: {
        loadAverage1m: previewLoads,
        emptyStackSeconds: previews.empty.map((p) => round(p.seconds)),
        siteSeconds: previews.site.map((p) => round(p.seconds)),
        siteCpuSeconds: previews.site.map((p) => p.cpuSeconds),
        programCpuSeconds: previews.site.map((p) => p.peaks.program.cpuSeconds),
        providerCpuSeconds: previews.site.map((p) => p.peaks.provider.cpuSeconds),
        medianEmptyStackSeconds: round(previewEmpty),
        medianSiteSeconds: round(previewSite),
        ratio: previewVerdict.ratio,
        target: previewVerdict,
      },
      oneFileChanged: { ...change, uploadedExactlyOne: uploadedOne },
      state: {
        exportBytes: siteState.length,
        emptyStackExportBytes: emptyState.length,
        bytesPerFile: round(bytesPerFile, 1),
        marginalBytesPerFile: round((siteState.length - emptyState.length) / siteFiles.length, 1),
        target: judge(bytesPerFile, { atMost: TARGETS.stateBytesPerFile }),
      },
      emulatorWarnings: emulator.warnings,
    };
    const previewCpu = (key) => round(median(previews.site.map((p) => p.peaks[key].cpuSeconds)), 1);
    const rows = [
      { measurement: "cold deploy, library (wfp-assets deploy)", value: round(med(deploys.library, "seconds")), unit: "s" },
      { measurement: "cold deploy, wrangler deploy --dispatch-namespace", value: round(med(deploys.wrangler, "seconds")), unit: "s" },
      { measurement: "ratio library / wrangler", value: deployVerdict.ratio, unit: "×", target: deployVerdict.target, met: deployVerdict.met },
      { measurement: "client peak RSS: library / wrangler", value: `${med(deploys.library, "maxRssMiB")} / ${med(deploys.wrangler, "maxRssMiB")}`, unit: "MiB" },
      { measurement: "cold pulumi up", value: round(cold.seconds), unit: "s" },
      { measurement: "program peak RSS (cold up, previews, one change)", value: programPeak, unit: "MiB", target: `≤ ${TARGETS.peakRssMiB}`, met: programPeak <= TARGETS.peakRssMiB },
      { measurement: "provider peak RSS (cold up, previews, one change)", value: providerPeak, unit: "MiB", target: `≤ ${TARGETS.peakRssMiB}`, met: providerPeak <= TARGETS.peakRssMiB },
      { measurement: "peak RSS, cold up: program / provider", value: `${cold.peaks.program.peakMiB} / ${cold.peaks.provider.peakMiB}`, unit: "MiB" },
      { measurement: "program peak RSS of an empty stack (its floor: ts-node type-checks)", value: emptyProgramPeak, unit: "MiB" },
      { measurement: "manifest build child process peak RSS (cold up, previews, one change)", value: manifestBuildPeak, unit: "MiB" },
      {
        measurement: "program peak RSS, no-op preview without type-checking: site / empty stack",
        value: `${transpileOnly.site.peaks.program.peakMiB} / ${transpileOnly.empty.peaks.program.peakMiB}`,
        unit: "MiB",
        target: `≤ ${TARGETS.peakRssMiB}`,
        met: transpileOnly.site.peaks.program.peakMiB <= TARGETS.peakRssMiB,
      },
      { measurement: "no-op pulumi preview, empty stack", value: round(previewEmpty), unit: "s" },
      { measurement: "no-op pulumi preview, 100k site", value: round(previewSite), unit: "s" },
      { measurement: "ratio site / empty stack", value: previewVerdict.ratio, unit: "×", target: previewVerdict.target, met: previewVerdict.met },
      { measurement: "no-op preview CPU: program / provider / all processes", value: `${previewCpu("program")} / ${previewCpu("provider")} / ${round(median(previews.site.map((p) => p.cpuSeconds)), 1)}`, unit: "s" },
      { measurement: "one file changed: files uploaded", value: change.filesStoredByEmulator, unit: "files", target: "1", met: uploadedOne },
      { measurement: "one file changed: preview --diff / up", value: `${change.previewSeconds} / ${change.upSeconds}`, unit: "s" },
      { measurement: "state: stack export bytes per file", value: round(bytesPerFile, 1), unit: "B", target: `≤ ${TARGETS.stateBytesPerFile}`, met: bytesPerFile <= TARGETS.stateBytesPerFile },
      { measurement: "load average (1 min): cold up / previews", value: `${coldLoad} / ${previewLoads.join(" ")}`, unit: "" },
    ];
    if (emulator.warnings.length > 0) rows.push({ measurement: "emulator warnings (see JSON)", value: emulator.warnings.length, unit: "" });
    return { rows, figures };
  } finally {
    await emulator.close();
  }
}
