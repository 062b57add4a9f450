// Fleets of tenant sites as one stack (TenantSites: one UserWorkerAssets per tenant folder), under Cloudflare's API
// rate limit as the emulator enforces it (`--rate-limit`, default "on": 1,200 calls per 300 s, five-minute block):
//
// - 200 tenants × 100 files (the figures kept since the first runs): cold `pulumi up`, then no-op `pulumi preview` and
//   `pulumi up`, each next to the same command on an empty stack; wrangler deploys a few of the same folders one after
//   another for scale (extrapolated). About 600 calls: the budget does not make it wait.
// - Fleets of `--tenants` (default 1,000) × 5 files (bench/lib/fleet.mjs): cold `up`, no-op `preview` and `up`,
//   `refresh`, one tenant changed `up`, `destroy`, each with the API calls, 429s and blocks the emulator saw and its
//   wall time against the floor the budget allows (calls ÷ 4 per second), CPU and peak RSS of program / provider /
//   engine, state file and automatic-log bytes; the state's bytes per tenant and per file; and, with more than one
//   size, each operation's cost per tenant against the smallest fleet's.
import path from "node:path";
import { apiCallsBetween, parseBudget } from "./lib/api-calls.mjs";
import { startEmulatorProcess } from "./lib/emulator.mjs";
import { fleetEnv, NAMESPACE, runFleet, TENANTS_PROGRAM } from "./lib/fleet.mjs";
import { loadAverage, median, round } from "./lib/measure.mjs";
import { EMPTY_PROGRAM, PulumiProject } from "./lib/pulumi.mjs";
import { flushWrites, TENANTS, writeTenantSites } from "./lib/sites.mjs";
import { wranglerDeploy, writeWranglerProject } from "./lib/wrangler.mjs";

export const name = "tenants";
export const description = "fleets of tenants through `pulumi up` under Cloudflare's API rate limit, seconds (lower is better)";

/** Fleet sizes when `--tenants` is not given. */
export const DEFAULT_FLEETS = [1000];
/** Tenants wrangler deploys for the reference figure (each a separate `wrangler deploy`, as a script would). */
const WRANGLER_SAMPLE = 5;

/** `--tenants 1000,2000` (or BENCH_TENANTS): the fleet sizes, each a positive whole number. */
export function parseFleetSizes(text) {
  if (text === undefined || text === "") return DEFAULT_FLEETS;
  const sizes = text.split(",").map((part) => Number(part.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--tenants: expected fleet sizes such as 1000,2000, got ${JSON.stringify(text)}`);
  return sizes;
}

async function runClassic({ repoRoot, node, scratch, rounds, log, budget }) {
  const sitesRoot = path.join(scratch, "tenants");
  const names = writeTenantSites(sitesRoot, TENANTS);
  flushWrites();
  const files = TENANTS.tenants * TENANTS.filesPerTenant;
  const emulator = await startEmulatorProcess({ repoRoot, node, dataDir: path.join(scratch, "emulator"), rateLimit: budget?.spec ?? "off" });
  try {
    await emulator.createNamespace(NAMESPACE);
    const env = fleetEnv({ emulator, sitesRoot, budget });
    const fleet = await PulumiProject.create({ root: path.join(scratch, "fleet-stack"), name: "bench-tenants", program: TENANTS_PROGRAM, env });
    const empty = await PulumiProject.create({ root: path.join(scratch, "empty-stack"), name: "bench-empty", program: EMPTY_PROGRAM, env });
    await fleet.initStack();
    await empty.initStack();

    log(`cold pulumi up of ${names.length} tenants × ${TENANTS.filesPerTenant} files…`);
    const coldLoad = loadAverage()[0];
    const emulatorCpuBefore = emulator.cpuSeconds();
    const apiBefore = await emulator.apiCounters();
    const cold = await fleet.run(["up", "--yes"], { watchRss: true });
    const coldApi = apiCallsBetween(apiBefore, await emulator.apiCounters());
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
      // Stack + TenantSites component + its orphan watch + one resource per tenant, all unchanged.
      if (!new RegExp(`\\b${names.length + 3} unchanged`).test(preview.output)) throw new Error(`bench sanity check: the no-op preview planned changes:\n${preview.output.slice(-2000)}`);
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
      rateLimit: budget?.spec ?? "off",
      cold: {
        upSeconds: round(cold.seconds),
        apiCalls: coldApi.calls,
        apiCallsByRoute: coldApi.byRoute,
        throttled429: coldApi.throttled,
        blocks: coldApi.blocks,
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
      { measurement: "cold up: API calls / 429s / blocks", value: `${coldApi.calls} / ${coldApi.throttled} / ${coldApi.blocks}`, unit: "" },
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

/** The operations of a fleet (bench/lib/fleet.mjs), in the order they run, with their labels in the tables. */
const FLEET_OPERATIONS = [
  ["coldUp", "cold pulumi up"],
  ["noOpPreview", "no-op pulumi preview"],
  ["noOpUp", "no-op pulumi up"],
  ["refresh", "pulumi refresh"],
  ["oneTenantChangedUp", "one tenant changed, pulumi up"],
  ["destroy", "pulumi destroy"],
];

/** Table rows of one fleet: an operation per row, then the state. */
function fleetRows(fleet) {
  const label = `${fleet.tenants} × ${fleet.filesPerTenant}`;
  const op = (title, o) => ({
    measurement: `${label}: ${title}`,
    value: o.seconds,
    unit: "s",
    "per tenant": o.secondsPerTenant,
    "CPU prog/prov/engine s": `${o.programCpuSeconds} / ${o.providerCpuSeconds} / ${o.engineCpuSeconds}`,
    "peak RSS prog/prov/engine MiB": `${o.programPeakRssMiB} / ${o.providerPeakRssMiB} / ${o.enginePeakRssMiB}`,
    "state MB": round(o.stateFileBytes / 1e6, 2),
    "log MB": round(o.automaticLogBytes / 1e6, 2),
    load: o.loadAverage1m,
    "calls/tenant": o.apiCallsPerTenant,
    "429s": o.throttled429,
    blocks: o.blocks,
    floor: o.floorSeconds,
    "÷ floor": o.budgetBinds ? o.ratioToFloor : undefined,
    target: o.target,
    met: o.met,
  });
  const state = fleet.state;
  return [
    ...FLEET_OPERATIONS.map(([key, title]) => op(title, fleet.operations[key])),
    {
      measurement: `${label}: state per tenant, all / fixed (the manifest left out)`,
      value: `${round(state.bytesPerTenant, 0)} / ${round(state.fixedBytesPerTenant, 0)}`,
      unit: "B",
      target: "fixed ≤ 2048",
      met: state.fixedBytesPerTenant <= 2048,
    },
    {
      measurement: `${label}: of fixed, inputs + outputs (of it __provider) / Pulumi's (of it stack trace)`,
      value: `${round(state.propertyBytesPerTenant, 0)} (${round(state.providerBytesPerTenant, 0)}) / ${round(state.fixedBytesPerTenant - state.propertyBytesPerTenant, 0)} (${round(state.stackTraceBytesPerTenant, 0)})`,
      unit: "B",
    },
    { measurement: `${label}: state per file (manifest line)`, value: round(state.bytesPerFile, 1), unit: "B" },
  ];
}

/**
 * Growth of the cost per tenant from the smallest fleet to each larger one: (value ÷ tenants) at N over the same at
 * the smallest, for wall time and each process's CPU. 1.0 is linear; the target is ≤ 1.3 (issue 19).
 */
function growthRows(fleets) {
  const [base, ...larger] = [...fleets].sort((a, b) => a.tenants - b.tenants);
  const rows = [];
  for (const fleet of larger) {
    for (const [key, title] of FLEET_OPERATIONS) {
      const perTenant = (f, field) => f.operations[key][field] / f.tenants;
      const ratio = (field) => round(perTenant(fleet, field) / perTenant(base, field), 2);
      const wall = ratio("seconds");
      rows.push({
        measurement: `per-tenant growth ${base.tenants} → ${fleet.tenants}: ${title}`,
        value: wall,
        unit: "×",
        "CPU prog/prov/engine s": `${ratio("programCpuSeconds")} / ${ratio("providerCpuSeconds")} / ${ratio("engineCpuSeconds")}`,
        "log MB": ratio("automaticLogBytes"),
        load: `${base.operations[key].loadAverage1m} → ${fleet.operations[key].loadAverage1m}`,
        target: "≤ 1.3",
        met: wall <= 1.3,
      });
    }
  }
  return rows;
}

export async function run({ repoRoot, node, scratch, rounds, log, options = {} }) {
  const budget = parseBudget(options.rateLimit ?? "on");
  const sizes = options.tenants ?? DEFAULT_FLEETS;
  const classic = options.fleetsOnly ? { rows: [], figures: {} } : await runClassic({ repoRoot, node, scratch: path.join(scratch, "classic"), rounds, log, budget });
  const fleets = [];
  for (const count of sizes) fleets.push(await runFleet({ repoRoot, node, scratch: path.join(scratch, `fleet-${count}`), log, count, budget }));
  return {
    rows: [...classic.rows, ...fleets.flatMap(fleetRows), ...growthRows(fleets)],
    figures: { ...classic.figures, fleets, env: { PULUMI_SKIP_CHECKPOINTS: process.env.PULUMI_SKIP_CHECKPOINTS ?? null } },
  };
}
