// 200 tenants × 100 files as one stack (TenantSites: one UserWorkerAssets per tenant folder): cold `pulumi up`,
// then a no-op `pulumi up` and `pulumi preview`, each next to the same command on an empty stack in the same run.
// For scale, wrangler deploys a few of the same tenant folders one after another (extrapolated to 200 below).
import path from "node:path";
import { startEmulatorProcess } from "./lib/emulator.mjs";
import { loadAverage, median, round } from "./lib/measure.mjs";
import { EMPTY_PROGRAM, PulumiProject } from "./lib/pulumi.mjs";
import { TENANTS, writeTenantSites } from "./lib/sites.mjs";
import { wranglerDeploy, writeWranglerProject } from "./lib/wrangler.mjs";

export const name = "tenants";
export const description = "200 tenants × 100 files through `pulumi up`, seconds (lower is better)";

const NAMESPACE = "tenants";
/** Tenants wrangler deploys for the reference figure (each a separate `wrangler deploy`, as a script would). */
const WRANGLER_SAMPLE = 5;

const TENANTS_PROGRAM = `import { TenantSites } from "pulumi-wfp-assets";

const fleet = new TenantSites("tenants", {
  accountId: process.env.BENCH_ACCOUNT!,
  namespace: process.env.BENCH_NAMESPACE!,
  sitesDirectory: process.env.BENCH_SITES_DIR!,
});
export const tenants = Object.keys(fleet.sites).length;
`;

export async function run({ repoRoot, node, scratch, rounds, log }) {
  const sitesRoot = path.join(scratch, "tenants");
  const names = writeTenantSites(sitesRoot, TENANTS);
  const files = TENANTS.tenants * TENANTS.filesPerTenant;
  const emulator = await startEmulatorProcess({ repoRoot, node, dataDir: path.join(scratch, "emulator") });
  try {
    await emulator.createNamespace(NAMESPACE);
    const env = {
      BENCH_ACCOUNT: emulator.account,
      BENCH_NAMESPACE: NAMESPACE,
      BENCH_SITES_DIR: sitesRoot,
      CLOUDFLARE_API_BASE_URL: emulator.url,
      CLOUDFLARE_API_TOKEN: emulator.token,
    };
    const fleet = await PulumiProject.create({ root: path.join(scratch, "fleet-stack"), name: "bench-tenants", program: TENANTS_PROGRAM, env });
    const empty = await PulumiProject.create({ root: path.join(scratch, "empty-stack"), name: "bench-empty", program: EMPTY_PROGRAM, env });
    await fleet.initStack();
    await empty.initStack();

    log(`cold pulumi up of ${names.length} tenants…`);
    const coldLoad = loadAverage()[0];
    const emulatorCpuBefore = emulator.cpuSeconds();
    const cold = await fleet.run(["up", "--yes"], { watchRss: true });
    const emulatorCpuCold = round(emulator.cpuSeconds() - emulatorCpuBefore);
    const stored = await emulator.storeCounters(NAMESPACE);
    if (stored.files !== files) throw new Error(`bench sanity check: the cold up stored ${stored.files} of ${files} files`);
    const emptyCold = await empty.run(["up", "--yes"]);

    const n = Math.min(rounds, 3);
    const noOp = { fleetUp: [], emptyUp: [], fleetPreview: [], emptyPreview: [], loads: [] };
    for (let r = 0; r < n; r++) {
      noOp.loads.push(loadAverage()[0]);
      noOp.emptyPreview.push((await empty.run(["preview"])).seconds);
      const preview = await fleet.run(["preview"]);
      // Stack + TenantSites component + one resource per tenant, all unchanged.
      if (!new RegExp(`\\b${names.length + 2} unchanged`).test(preview.output)) throw new Error(`bench sanity check: the no-op preview planned changes:\n${preview.output.slice(-2000)}`);
      noOp.fleetPreview.push(preview.seconds);
      noOp.fleetUp.push((await fleet.run(["up", "--yes"])).seconds);
      noOp.emptyUp.push((await empty.run(["up", "--yes"])).seconds);
      log(`no-op round ${r + 1}/${n}: preview ${round(noOp.fleetPreview.at(-1))} s (empty ${round(noOp.emptyPreview.at(-1))} s), up ${round(noOp.fleetUp.at(-1))} s (empty ${round(noOp.emptyUp.at(-1))} s)`);
    }
    const after = await emulator.storeCounters(NAMESPACE);
    if (after.files !== stored.files) throw new Error(`bench sanity check: no-op runs uploaded ${after.files - stored.files} files`);

    log(`wrangler deploy of ${WRANGLER_SAMPLE} tenants, one after another…`);
    const wranglerSeconds = [];
    for (const tenant of names.slice(0, WRANGLER_SAMPLE)) {
      const namespace = `wrangler-${tenant}`;
      await emulator.createNamespace(namespace);
      const projectDir = path.join(scratch, "wrangler", tenant);
      writeWranglerProject(projectDir, { scriptName: tenant, assetsDirectory: path.join(sitesRoot, tenant, "public") });
      const result = await wranglerDeploy({ repoRoot, node, projectDir, namespace, apiUrl: emulator.url, token: emulator.token, account: emulator.account, home: path.join(scratch, "wrangler-home") });
      wranglerSeconds.push(result.seconds);
    }
    const wranglerPerTenant = median(wranglerSeconds);

    const med = (list) => round(median(list));
    const figures = {
      tenants: { ...TENANTS, files },
      pulumiParallelism: "default (8)",
      cold: {
        upSeconds: round(cold.seconds),
        cpuSecondsAllProcesses: cold.cpuSeconds,
        emulatorCpuSeconds: emulatorCpuCold,
        loadAverage1m: coldLoad,
        providerPeakRssMiB: cold.peaks.provider.peakMiB,
        programPeakRssMiB: cold.peaks.program.peakMiB,
        providerCpuSeconds: cold.peaks.provider.cpuSeconds,
        programCpuSeconds: cold.peaks.program.cpuSeconds,
        emptyStackUpSeconds: round(emptyCold.seconds),
        ratioToEmptyStackUp: round(cold.seconds / emptyCold.seconds),
        secondsPerTenant: round(cold.seconds / names.length, 3),
      },
      noOp: {
        loadAverage1m: noOp.loads,
        upSeconds: noOp.fleetUp.map((s) => round(s)),
        previewSeconds: noOp.fleetPreview.map((s) => round(s)),
        emptyStackUpSeconds: noOp.emptyUp.map((s) => round(s)),
        emptyStackPreviewSeconds: noOp.emptyPreview.map((s) => round(s)),
        ratioUpToEmptyStackUp: round(median(noOp.fleetUp) / median(noOp.emptyUp)),
        ratioPreviewToEmptyStackPreview: round(median(noOp.fleetPreview) / median(noOp.emptyPreview)),
      },
      wranglerReference: {
        tenantsDeployed: wranglerSeconds.length,
        seconds: wranglerSeconds.map((s) => round(s)),
        medianSecondsPerTenant: round(wranglerPerTenant),
        extrapolatedSecondsFor200: round(wranglerPerTenant * names.length, 0),
      },
      emulatorWarnings: emulator.warnings,
    };
    const rows = [
      { measurement: `cold pulumi up, ${names.length} tenants (${files} files)`, value: round(cold.seconds), baseline: round(emptyCold.seconds), ratio: figures.cold.ratioToEmptyStackUp, unit: "s" },
      { measurement: "no-op pulumi up", value: med(noOp.fleetUp), baseline: med(noOp.emptyUp), ratio: figures.noOp.ratioUpToEmptyStackUp, unit: "s" },
      { measurement: "no-op pulumi preview", value: med(noOp.fleetPreview), baseline: med(noOp.emptyPreview), ratio: figures.noOp.ratioPreviewToEmptyStackPreview, unit: "s" },
      { measurement: "cold up per tenant", value: figures.cold.secondsPerTenant, unit: "s" },
      { measurement: `reference: wrangler deploy per tenant (${wranglerSeconds.length} run one by one)`, value: round(wranglerPerTenant), unit: "s" },
      { measurement: "reference: that × 200 tenants (extrapolated)", value: figures.wranglerReference.extrapolatedSecondsFor200, ratio: round(cold.seconds / figures.wranglerReference.extrapolatedSecondsFor200), unit: "s" },
      { measurement: "provider / program peak RSS, cold up", value: `${cold.peaks.provider.peakMiB} / ${cold.peaks.program.peakMiB}`, unit: "MiB" },
      { measurement: "cold up CPU: program / provider / emulator / all pulumi processes", value: `${cold.peaks.program.cpuSeconds} / ${cold.peaks.provider.cpuSeconds} / ${emulatorCpuCold} / ${cold.cpuSeconds}`, unit: "s" },
      { measurement: "load average (1 min): cold / no-op rounds", value: `${coldLoad} / ${noOp.loads.join(" ")}`, unit: "" },
    ];
    return { rows, figures };
  } finally {
    await emulator.close();
  }
}
