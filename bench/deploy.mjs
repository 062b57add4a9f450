// Cold deploy of the 20,000 × 4 KiB site to the emulator: this library (the `wfp-assets deploy` CLI, one process,
// as a user runs it) against `wrangler deploy --dispatch-namespace` of the same directory to the same emulator.
// Each round deploys with both, alternately, each into a namespace of its own, so every file is uploaded. Namespaces
// are kept until the end: deleting one (20,000 blob files) makes the next minute of file creation several times
// slower on a file system without a journal, which is what made rounds vary (bench/README.md, "Why figures varied").
import path from "node:path";
import { startEmulatorProcess } from "./lib/emulator.mjs";
import { judge, loadAverage, median, round } from "./lib/measure.mjs";
import { runTimed } from "./lib/processes.mjs";
import { flushWrites, SITE_20K, writeSyntheticSite } from "./lib/sites.mjs";
import { wranglerDeploy, writeWranglerProject } from "./lib/wrangler.mjs";

export const name = "deploy";
export const description = "cold deploy of 20,000 × 4 KiB to the emulator, seconds, median of the rounds (lower is better)";

const SCRIPT = "site";
const DONE_LINE = /done: uploaded (\d+) files/;

/** `wfp-assets deploy` in its own process; `cpuSeconds` and `maxRssMiB` are the client's alone. */
export async function libraryDeploy({ repoRoot, node, emulator, namespace, siteRoot }) {
  const result = await runTimed(
    node,
    [path.join(repoRoot, "dist", "cli.js"), "deploy", siteRoot, "--account", emulator.account, "--namespace", namespace, "--script", SCRIPT],
    { env: { PATH: process.env.PATH, CLOUDFLARE_API_BASE_URL: emulator.url, CLOUDFLARE_API_TOKEN: emulator.token } },
  );
  if (result.code !== 0) throw new Error(`wfp-assets deploy failed (exit ${result.code}):\n${result.output.slice(-3000)}`);
  const done = DONE_LINE.exec(result.output);
  return { seconds: result.seconds, cpuSeconds: result.cpuSeconds, maxRssMiB: result.maxRssMiB, uploadedFiles: done ? Number(done[1]) : undefined };
}

/** One cold deploy into a fresh namespace, with the emulator's CPU time and what it stored. */
export async function measured(emulator, namespace, deploy) {
  await emulator.createNamespace(namespace);
  const before = emulator.cpuSplit();
  const run = await deploy();
  const after = emulator.cpuSplit();
  const stored = await emulator.storeCounters(namespace);
  return {
    ...run,
    emulatorCpuSeconds: after.user + after.system - before.user - before.system,
    // The kernel's share: where a slow file system shows (creating 40,000 files per deploy: staged part + rename).
    emulatorSystemCpuSeconds: round(after.system - before.system),
    storedFiles: stored.files,
    uploadRequests: stored.requests,
  };
}

export async function run({ repoRoot, node, scratch, rounds, log }) {
  const siteRoot = path.join(scratch, "site");
  const files = writeSyntheticSite(siteRoot, SITE_20K).length;
  flushWrites();
  const wranglerProject = path.join(scratch, "wrangler-project");
  writeWranglerProject(wranglerProject, { scriptName: SCRIPT, assetsDirectory: siteRoot });
  const emulator = await startEmulatorProcess({ repoRoot, node, dataDir: path.join(scratch, "emulator") });
  const n = Math.min(rounds, 3);
  const library = [];
  const wrangler = [];
  const loads = [];
  try {
    for (let r = 0; r < n; r++) {
      loads.push(loadAverage()[0]);
      // Alternate who goes first, so neither always meets the cooler (or busier) moment.
      const order = r % 2 === 0 ? ["library", "wrangler"] : ["wrangler", "library"];
      for (const who of order) {
        if (who === "library") {
          library.push(await measured(emulator, `lib-${r}`, () => libraryDeploy({ repoRoot, node, emulator, namespace: `lib-${r}`, siteRoot })));
        } else {
          const namespace = `wrangler-${r}`;
          const result = await measured(emulator, namespace, () =>
            wranglerDeploy({ repoRoot, node, projectDir: wranglerProject, namespace, apiUrl: emulator.url, token: emulator.token, account: emulator.account, home: path.join(scratch, "wrangler-home") }),
          );
          delete result.output;
          wrangler.push(result);
        }
      }
      log(`round ${r + 1}/${n}: library ${round(library.at(-1).seconds)} s, wrangler ${round(wrangler.at(-1).seconds)} s (emulator system CPU ${library.at(-1).emulatorSystemCpuSeconds} / ${wrangler.at(-1).emulatorSystemCpuSeconds} s)`);
    }
  } finally {
    await emulator.close();
  }
  for (const runResult of [...library, ...wrangler]) {
    if (runResult.storedFiles !== files) throw new Error(`bench sanity check: a cold deploy stored ${runResult.storedFiles} of ${files} files`);
  }

  const med = (list, key) => median(list.map((entry) => entry[key]));
  const verdict = judge(med(library, "seconds") / med(wrangler, "seconds"), { atMost: 0.5 });
  const figures = {
    site: { ...SITE_20K, files },
    rounds: n,
    loadAverage1m: loads,
    library: { rounds: library, medianSeconds: round(med(library, "seconds")) },
    wrangler: { rounds: wrangler, medianSeconds: round(med(wrangler, "seconds")), manifestStepMedianSeconds: round(med(wrangler, "manifestSeconds")) },
    ratioLibraryToWrangler: verdict.ratio,
    target: verdict,
    emulatorWarnings: emulator.warnings,
  };
  const row = (measurement, list, key, unit, digits = 2) => ({ measurement, library: round(med(list.library, key), digits), wrangler: round(med(list.wrangler, key), digits), unit });
  const both = { library, wrangler };
  const rows = [
    row("wall time, spawn to exit", both, "seconds", "s"),
    row("client CPU (user + system)", both, "cpuSeconds", "s"),
    row("emulator CPU during the deploy", both, "emulatorCpuSeconds", "s"),
    row("of it in the kernel (system)", both, "emulatorSystemCpuSeconds", "s"),
    row("client peak RSS", both, "maxRssMiB", "MiB", 0),
    row("upload requests", both, "uploadRequests", "", 0),
    { measurement: "ratio library / wrangler (wall time)", library: verdict.ratio, unit: "×", target: verdict.target, met: verdict.met },
    { measurement: "wrangler: its manifest step / start-up before it", wrangler: `${round(med(wrangler, "manifestSeconds"))} / ${round(med(wrangler, "startupSeconds"))}`, unit: "s" },
    { measurement: "load average (1 min) per round", library: loads.join(" "), unit: "" },
  ];
  if (emulator.warnings.length > 0) rows.push({ measurement: "emulator warnings (see JSON)", library: emulator.warnings.length, unit: "" });
  return { rows, figures };
}
