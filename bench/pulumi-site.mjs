// The 20,000 × 4 KiB site as a Pulumi stack (one UserWorkerAssets), through the real CLI against the emulator:
// cold `pulumi up`, no-op `pulumi preview` against the preview of an empty stack (alternating rounds), state
// bytes per file (`pulumi stack export`), and one changed file: what is uploaded and how long `up` takes.
import fs from "node:fs";
import path from "node:path";
import { startEmulatorProcess } from "./lib/emulator.mjs";
import { judge, loadAverage, median, round } from "./lib/measure.mjs";
import { EMPTY_PROGRAM, PulumiProject, SITE_PROGRAM } from "./lib/pulumi.mjs";
import { flushWrites, SITE_20K, writeSyntheticSite } from "./lib/sites.mjs";

export const name = "pulumi-site";
export const description = "20,000 × 4 KiB site as a Pulumi stack, seconds, medians (lower is better)";

const NAMESPACE = "bench";
const SCRIPT = "site-20k";
const CHANGE_ROUNDS = 3;

function summary(run) {
  return { seconds: round(run.seconds), cpuSeconds: run.cpuSeconds, maxRssMiB: run.maxRssMiB, peaks: run.peaks };
}

export async function run({ repoRoot, node, scratch, rounds, log }) {
  const siteRoot = path.join(scratch, "site");
  const siteFiles = writeSyntheticSite(siteRoot, SITE_20K);
  flushWrites();
  const emulator = await startEmulatorProcess({ repoRoot, node, dataDir: path.join(scratch, "emulator") });
  try {
    await emulator.createNamespace(NAMESPACE);
    const env = {
      BENCH_ACCOUNT: emulator.account,
      BENCH_NAMESPACE: NAMESPACE,
      BENCH_SCRIPT: SCRIPT,
      BENCH_SITE_DIR: siteRoot,
      CLOUDFLARE_API_BASE_URL: emulator.url,
      CLOUDFLARE_API_TOKEN: emulator.token,
    };
    const site = await PulumiProject.create({ root: path.join(scratch, "site-stack"), name: "bench-site", program: SITE_PROGRAM, env });
    // The same stack with the program's hash cache turned off: what the cache saves on a no-op preview.
    const siteNoCache = site.withEnv({ WFP_ASSETS_HASH_CACHE: "off" });
    const empty = await PulumiProject.create({ root: path.join(scratch, "empty-stack"), name: "bench-empty", program: EMPTY_PROGRAM, env });
    await site.initStack();
    await empty.initStack();
    await empty.run(["up", "--yes"]);

    log("cold pulumi up of the 20k site…");
    const coldLoad = loadAverage()[0];
    const cold = await site.run(["up", "--yes"], { watchRss: true });
    const coldOutputs = await site.outputs();
    if (coldOutputs.uploadedFiles !== siteFiles.length) throw new Error(`bench sanity check: the cold up uploaded ${coldOutputs.uploadedFiles} files`);

    const siteState = await site.exportState();
    const emptyState = await empty.exportState();
    const manifestInputBytes = Buffer.byteLength(JSON.stringify(JSON.parse(siteState).deployment.resources.find((r) => r.type?.endsWith("UserWorkerAssets"))?.inputs?.manifest ?? {}));

    log("no-op previews, alternating with an empty stack's…");
    const emptyPreviews = [];
    const sitePreviews = [];
    const noCachePreviews = [];
    const previewLoads = [];
    for (let r = 0; r < rounds; r++) {
      previewLoads.push(loadAverage()[0]);
      const order = [
        [empty, emptyPreviews],
        [site, sitePreviews],
        [siteNoCache, noCachePreviews],
      ];
      // Rotate who goes first, so a busy moment does not always fall on the same one.
      for (const [project, list] of [...order.slice(r % 3), ...order.slice(0, r % 3)]) list.push(await project.run(["preview"]));
      for (const list of [sitePreviews, noCachePreviews]) {
        if (!/2 unchanged/.test(list.at(-1).output)) throw new Error(`bench sanity check: the no-op preview planned changes:\n${list.at(-1).output.slice(-2000)}`);
      }
      log(`round ${r + 1}/${rounds}: empty ${round(emptyPreviews.at(-1).seconds)} s, 20k site ${round(sitePreviews.at(-1).seconds)} s (without hash cache ${round(noCachePreviews.at(-1).seconds)} s)`);
    }

    // One more no-op preview, not timed with the others: which process spends the CPU (polling /proc costs a little).
    const attributed = await site.run(["preview"], { watchRss: true });
    const attributedEmpty = await empty.run(["preview"], { watchRss: true });
    const previewCpu = {
      emptyStack: { allProcesses: attributedEmpty.cpuSeconds, program: attributedEmpty.peaks.program.cpuSeconds },
      allProcesses: attributed.cpuSeconds,
      program: attributed.peaks.program.cpuSeconds,
      provider: attributed.peaks.provider.cpuSeconds,
      engineAndLanguageHost: round(attributed.cpuSeconds - attributed.peaks.program.cpuSeconds - attributed.peaks.provider.cpuSeconds),
      providerPeakRssMiB: attributed.peaks.provider.peakMiB,
    };

    log("one changed file…");
    const changes = [];
    for (let r = 0; r < CHANGE_ROUNDS; r++) {
      const changed = siteFiles[(r * 7919) % siteFiles.length];
      const file = path.join(siteRoot, changed);
      fs.writeFileSync(file, `${fs.readFileSync(file, "latin1").slice(0, 4000)} changed in round ${r} of ${Date.now()}`);
      const before = await emulator.storeCounters(NAMESPACE);
      const preview = await site.run(["preview", "--diff"]);
      if (!preview.output.includes(`/${changed}`)) throw new Error(`bench sanity check: preview --diff does not name /${changed}:\n${preview.output.slice(-2000)}`);
      const up = await site.run(["up", "--yes"]);
      const after = await emulator.storeCounters(NAMESPACE);
      const outputs = await site.outputs();
      changes.push({
        file: changed,
        load: loadAverage()[0],
        previewSeconds: round(preview.seconds),
        upSeconds: round(up.seconds),
        uploadedFilesOutput: outputs.uploadedFiles,
        filesStoredByEmulator: after.files - before.files,
        uploadRequests: after.requests - before.requests,
      });
      log(`change ${r + 1}/${CHANGE_ROUNDS}: preview ${round(preview.seconds)} s, up ${round(up.seconds)} s, uploaded ${after.files - before.files}`);
    }

    const previewSite = median(sitePreviews.map((p) => p.seconds));
    const previewNoCache = median(noCachePreviews.map((p) => p.seconds));
    const previewEmpty = median(emptyPreviews.map((p) => p.seconds));
    const previewVerdict = judge(previewSite / previewEmpty, { atMost: 2 });
    const upChanged = median(changes.map((c) => c.upSeconds));
    const previewChanged = median(changes.map((c) => c.previewSeconds));
    const bytesPerFile = siteState.length / siteFiles.length;
    const stateVerdict = judge(bytesPerFile, { atMost: 100 });
    const uploadedOne = changes.every((c) => c.filesStoredByEmulator === 1 && c.uploadedFilesOutput === 1);
    const providerPeak = cold.peaks?.provider.peakMiB;

    const figures = {
      site: { ...SITE_20K, files: siteFiles.length },
      coldUp: { ...summary(cold), loadAverage1m: coldLoad, uploadedFiles: coldOutputs.uploadedFiles },
      providerPeakRssMiB20k: providerPeak,
      programPeakRssMiB20k: cold.peaks?.program.peakMiB,
      noOpPreview: {
        loadAverage1m: previewLoads,
        emptyStackSeconds: emptyPreviews.map((p) => round(p.seconds)),
        siteSeconds: sitePreviews.map((p) => round(p.seconds)),
        emptyStackCpuSeconds: emptyPreviews.map((p) => p.cpuSeconds),
        siteCpuSeconds: sitePreviews.map((p) => p.cpuSeconds),
        siteWithoutHashCacheSeconds: noCachePreviews.map((p) => round(p.seconds)),
        siteWithoutHashCacheCpuSeconds: noCachePreviews.map((p) => p.cpuSeconds),
        medianSiteWithoutHashCacheSeconds: round(previewNoCache),
        ratioWithoutHashCache: round(previewNoCache / previewEmpty),
        medianEmptyStackSeconds: round(previewEmpty),
        medianSiteSeconds: round(previewSite),
        ratio: previewVerdict.ratio,
        target: previewVerdict,
        cpuByProcess20k: previewCpu,
      },
      oneFileChanged: {
        rounds: changes,
        uploadedExactlyOne: uploadedOne,
        medianUpSeconds: round(upChanged),
        medianPreviewSeconds: round(previewChanged),
        ratioUpToNoOpPreview: round(upChanged / previewSite),
        ratioPreviewToNoOpPreview: round(previewChanged / previewSite),
      },
      state: {
        exportBytes: siteState.length,
        emptyStackExportBytes: emptyState.length,
        bytesPerFile: round(bytesPerFile, 1),
        marginalBytesPerFile: round((siteState.length - emptyState.length) / siteFiles.length, 1),
        manifestInputCompactBytesPerFile: round(manifestInputBytes / siteFiles.length, 1),
        target: stateVerdict,
      },
      emulatorWarnings: emulator.warnings,
    };
    const rows = [
      { measurement: "cold pulumi up (20k files uploaded)", value: round(cold.seconds), unit: "s" },
      { measurement: "no-op pulumi preview, empty stack", value: round(previewEmpty), unit: "s" },
      { measurement: "no-op pulumi preview, 20k site", value: round(previewSite), unit: "s" },
      { measurement: "ratio 20k site / empty stack", value: previewVerdict.ratio, unit: "×", target: previewVerdict.target, met: previewVerdict.met },
      { measurement: "no-op pulumi preview, 20k site, hash cache off", value: round(previewNoCache), unit: "s" },
      { measurement: "ratio without the hash cache", value: round(previewNoCache / previewEmpty), unit: "×" },
      { measurement: "CPU of all processes: empty / 20k / 20k without cache", value: [emptyPreviews, sitePreviews, noCachePreviews].map((l) => round(median(l.map((p) => p.cpuSeconds)), 1)).join(" / "), unit: "s" },
      { measurement: "20k preview CPU: program / provider / engine + language host", value: `${previewCpu.program} / ${previewCpu.provider} / ${previewCpu.engineAndLanguageHost}`, unit: "s" },
      { measurement: "empty preview CPU: program / all processes", value: `${previewCpu.emptyStack.program} / ${previewCpu.emptyStack.allProcesses}`, unit: "s" },
      { measurement: "provider peak RSS during a no-op preview (no upload)", value: previewCpu.providerPeakRssMiB, unit: "MiB" },
      { measurement: "one file changed: files uploaded (each round)", value: changes.map((c) => c.filesStoredByEmulator).join(" "), unit: "files", target: "1", met: uploadedOne },
      { measurement: "one file changed: pulumi preview --diff", value: round(previewChanged), unit: "s" },
      { measurement: "one file changed: pulumi up", value: round(upChanged), unit: "s" },
      { measurement: "ratio one-change up / no-op preview", value: round(upChanged / previewSite), unit: "×" },
      { measurement: "state: stack export bytes per file", value: round(bytesPerFile, 1), unit: "B", target: stateVerdict.target, met: stateVerdict.met },
      { measurement: "state: marginal bytes per file (vs empty stack)", value: round((siteState.length - emptyState.length) / siteFiles.length, 1), unit: "B" },
      { measurement: "cold up CPU: program / provider / all processes", value: `${cold.peaks?.program.cpuSeconds} / ${cold.peaks?.provider.cpuSeconds} / ${cold.cpuSeconds}`, unit: "s" },
      { measurement: "provider peak RSS during the cold up", value: providerPeak, unit: "MiB" },
      { measurement: "program peak RSS during the cold up", value: cold.peaks?.program.peakMiB, unit: "MiB" },
      { measurement: "load average (1 min) per preview round", value: previewLoads.join(" "), unit: "" },
    ];
    return { rows, figures };
  } finally {
    await emulator.close();
  }
}
