// One fleet through the real Pulumi CLI against an emulator of its own: `count` tenants × FLEET's files in one
// TenantSites stack, then cold `pulumi up`, no-op `pulumi preview`, no-op `pulumi up`, `pulumi refresh`, an `up` with
// one tenant's file changed and `pulumi destroy`, each with the API calls the emulator saw (429s and blocks included),
// CPU and peak RSS of program, provider and engine, the state file's size after it and the bytes of the CLI's
// automatic log; and the exported state's make-up. Used by bench/tenants.mjs.
//
// BENCH_PROFILE_DIR=<folder> profiles every operation: the CLI with `--profiling <folder>/<tenants>-<operation>` (Go
// pprof: `go tool pprof -top <file>.cpu`; its execution trace is deleted, it is large) and the Node processes with
// `--cpu-prof` into `<folder>/<tenants>-<operation>-node/` (program and provider, one .cpuprofile each).
import fs from "node:fs";
import path from "node:path";
import { againstFloor, apiCallsBetween } from "./api-calls.mjs";
import { startEmulatorProcess } from "./emulator.mjs";
import { loadAverage, round } from "./measure.mjs";
import { PulumiProject } from "./pulumi.mjs";
import { FLEET, flushWrites, writeTenantSites } from "./sites.mjs";
import { analyzeState } from "./state-size.mjs";

export const NAMESPACE = "tenants";

/** One TenantSites component over a folder of tenant folders; everything from the environment. */
export const TENANTS_PROGRAM = `import { TenantSites } from "pulumi-wfp-assets";

const fleet = new TenantSites("tenants", {
  accountId: process.env.BENCH_ACCOUNT!,
  namespace: process.env.BENCH_NAMESPACE!,
  sitesDirectory: process.env.BENCH_SITES_DIR!,
});
export const tenants = Object.keys(fleet.sites).length;
`;

const TENANT_TYPE = "pulumi-nodejs:dynamic/wfp:UserWorkerAssets";
/** The provider's progress line while it paces (src/cloudflare/budget/wait.ts), and a 429 it waits out. */
const BUDGET_WAIT = /waiting .* for the API budget/;
const RATE_LIMITED_WAIT = /the API answered 429/;
/** `pulumi up` prints this when the preview is done and the update starts. */
const UPDATE_STARTS = /^Updating \(/;

/** The environment every pulumi run of a fleet gets: where the sites are, the emulator, the client's budget. */
export function fleetEnv({ emulator, sitesRoot, budget }) {
  const env = {
    BENCH_ACCOUNT: emulator.account,
    BENCH_NAMESPACE: NAMESPACE,
    BENCH_SITES_DIR: sitesRoot,
    CLOUDFLARE_API_BASE_URL: emulator.url,
    CLOUDFLARE_API_TOKEN: emulator.token,
  };
  // Scaled-down budgets (say 60/10) go to the client as they go to the emulator; "on" is the client's default.
  // Without a limit the client's pacing is off too, so a run measures Pulumi and the provider alone.
  if (process.env.WFP_ASSETS_API_BUDGET === undefined) {
    if (budget === undefined) env.WFP_ASSETS_API_BUDGET = "off";
    else if (budget.clientBudget !== undefined) env.WFP_ASSETS_API_BUDGET = budget.clientBudget;
  }
  return env;
}

/** Size and modification time of every file under `dir` (recursively), by path; empty when it does not exist. */
function filesUnder(dir) {
  const files = new Map();
  let entries;
  try {
    entries = fs.readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return files;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    try {
      files.set(full, fs.statSync(full).size);
    } catch {
      // rotated away meanwhile
    }
  }
  return files;
}

/**
 * The pinned CLI writes a gzip (AES once the stack's secrets manager is known) log of every command at debug level
 * into $PULUMI_HOME/logs (pkg/logging/encrypted.go of the pinned CLI, `StartLogging`; no switch turns it off). Its
 * bytes for one run: the files that run added.
 */
function logBytesSince(logsDir, before) {
  let bytes = 0;
  for (const [file, size] of filesUnder(logsDir)) if (!before.has(file)) bytes += size;
  return bytes;
}

/** Bytes of the stack's checkpoint file in the file:// backend (the file every checkpoint rewrites). */
function stateFileBytes(stateDir) {
  let bytes = 0;
  for (const [file, size] of filesUnder(path.join(stateDir, ".pulumi", "stacks"))) if (/\.json(\.gz)?$/.test(file)) bytes += size;
  return bytes;
}

/** `--profiling` for the CLI and `--cpu-prof` for the Node processes, when BENCH_PROFILE_DIR is set. */
function profiling(project, args, label) {
  const dir = process.env.BENCH_PROFILE_DIR;
  if (!dir) return { project, args, done() {} };
  const prefix = path.join(dir, label);
  const nodeDir = `${prefix}-node`;
  fs.mkdirSync(nodeDir, { recursive: true });
  const options = [process.env.NODE_OPTIONS, `--cpu-prof --cpu-prof-dir=${nodeDir}`].filter(Boolean).join(" ");
  return {
    project: project.withEnv({ NODE_OPTIONS: options }),
    args: [...args, "--profiling", prefix],
    done() {
      for (const file of fs.readdirSync(dir)) if (file.startsWith(`${label}.`) && file.endsWith(".trace")) fs.rmSync(path.join(dir, file));
    },
  };
}

/**
 * Runs `pulumi <args>` and measures it: wall time (and, for `up`, when the update started), CPU by process, the
 * API calls the emulator counted in the meantime, and the wall time against the budget's floor.
 */
export async function measuredRun({ project: plain, emulator, args: plainArgs, budget, tenants, label }) {
  const load = loadAverage()[0];
  const profiled = profiling(plain, plainArgs, label ?? `${tenants}-${plainArgs[0]}`);
  const { project, args } = profiled;
  const logsDir = path.join(plain.root, "pulumi-home", "logs");
  const logsBefore = filesUnder(logsDir);
  const before = await emulator.apiCounters();
  const emulatorCpu = emulator.cpuSplit();
  let updateStartedAt;
  let budgetWaits = 0;
  let rateLimitedWaits = 0;
  const result = await project.run(args, {
    watchRss: true,
    onLine(line, at) {
      if (updateStartedAt === undefined && UPDATE_STARTS.test(line.trim())) updateStartedAt = at;
      if (BUDGET_WAIT.test(line)) budgetWaits++;
      if (RATE_LIMITED_WAIT.test(line)) rateLimitedWaits++;
    },
  });
  const emulatorCpuAfter = emulator.cpuSplit();
  profiled.done();
  const api = apiCallsBetween(before, await emulator.apiCounters());
  const floor = againstFloor(result.seconds, api.calls, budget);
  const { program, provider, engine } = result.peaks;
  return {
    result,
    figures: {
      seconds: round(result.seconds),
      previewSeconds: updateStartedAt === undefined ? undefined : round(updateStartedAt),
      secondsPerTenant: round(result.seconds / tenants, 3),
      loadAverage1m: load,
      apiCalls: api.calls,
      apiCallsPerTenant: round(api.calls / tenants, 3),
      apiCallsByRoute: api.byRoute,
      countedByRateLimit: api.counted,
      throttled429: api.throttled,
      blocks: api.blocks,
      budgetWaitLines: budgetWaits,
      rateLimitedWaitLines: rateLimitedWaits,
      floorSeconds: floor.floorSeconds === undefined ? undefined : round(floor.floorSeconds),
      ratioToFloor: floor.ratio === undefined ? undefined : round(floor.ratio),
      budgetBinds: floor.budgetBinds,
      ...(floor.target ? { target: floor.target, met: floor.met } : {}),
      cpuSecondsAllProcesses: result.cpuSeconds,
      systemCpuSecondsAllProcesses: result.systemSeconds,
      programCpuSeconds: program.cpuSeconds,
      providerCpuSeconds: provider.cpuSeconds,
      // The CLI's engine, the language host and the plugin shims: everything of the tree but the two Node processes.
      engineCpuSeconds: result.cpuSeconds === undefined ? undefined : round(result.cpuSeconds - program.cpuSeconds - provider.cpuSeconds),
      emulatorCpuSeconds: emulatorCpu && emulatorCpuAfter ? { user: round(emulatorCpuAfter.user - emulatorCpu.user), system: round(emulatorCpuAfter.system - emulatorCpu.system) } : undefined,
      programPeakRssMiB: program.peakMiB,
      providerPeakRssMiB: provider.peakMiB,
      enginePeakRssMiB: engine.peakMiB,
      stateFileBytes: stateFileBytes(path.join(plain.root, "state")),
      automaticLogBytes: logBytesSince(logsDir, logsBefore),
    },
  };
}

/** A changed content for one file of the first tenant: same size, new bytes, so exactly one file is uploaded. */
function changeOneTenant(sitesRoot) {
  const folder = fs.readdirSync(sitesRoot).sort()[0];
  const publicDir = path.join(sitesRoot, folder, "public");
  const file = fs
    .readdirSync(publicDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort()[0];
  const bytes = fs.readFileSync(file);
  bytes[0] = bytes[0] === 0x41 ? 0x42 : 0x41;
  fs.writeFileSync(file, bytes);
  return { tenant: folder, file: path.relative(publicDir, file) };
}

function expectUnchanged(operation, output, count) {
  // Stack + TenantSites component + its orphan watch + one resource per tenant.
  if (!new RegExp(`\\b${count + 3} unchanged`).test(output)) {
    throw new Error(`bench sanity check: ${operation} of ${count} tenants was not a no-op:\n${output.slice(-2000)}`);
  }
}

/**
 * Writes `count` tenants, starts an emulator with `budget`'s rate limit (undefined: none), and measures the four
 * operations. `scratch` must be a fresh folder; it is left in place (the caller removes it at the very end: see
 * bench/README.md on deleting files before creating others on this machine).
 */
export async function runFleet({ repoRoot, node, scratch, log, count, budget }) {
  const sitesRoot = path.join(scratch, "sites");
  writeTenantSites(sitesRoot, { ...FLEET, tenants: count });
  flushWrites();
  const files = count * FLEET.filesPerTenant;
  const emulator = await startEmulatorProcess({ repoRoot, node, dataDir: path.join(scratch, "emulator"), rateLimit: budget?.spec ?? "off" });
  try {
    await emulator.createNamespace(NAMESPACE);
    const env = fleetEnv({ emulator, sitesRoot, budget });
    const project = await PulumiProject.create({ root: path.join(scratch, "stack"), name: "bench-fleet", program: TENANTS_PROGRAM, env });
    await project.initStack();
    const run = async (args, label) => {
      const measured = await measuredRun({ project, emulator, args, budget, tenants: count, label: `${count}-${label ?? args[0]}` });
      // Each operation's figures as soon as it is done: a run stopped half-way still leaves them in its log.
      log(`fleet of ${count}: ${label ?? args[0]} ${JSON.stringify(measured.figures, (key, value) => (key === "apiCallsByRoute" ? undefined : value))}`);
      return measured;
    };

    log(`fleet of ${count}: cold pulumi up (${budget ? `rate limit ${budget.spec}` : "no rate limit"})…`);
    const cold = await run(["up", "--yes"], "cold-up");
    const stored = await emulator.storeCounters(NAMESPACE);
    if (stored.files !== files) throw new Error(`bench sanity check: the cold up of ${count} tenants stored ${stored.files} of ${files} files`);
    log(`fleet of ${count}: cold up ${cold.figures.seconds} s, ${cold.figures.apiCalls} calls, ${cold.figures.throttled429} × 429`);

    const preview = await run(["preview"]);
    expectUnchanged("the no-op preview", preview.result.output, count);
    const noOpUp = await run(["up", "--yes"], "noop-up");
    expectUnchanged("the no-op up", noOpUp.result.output, count);
    const refresh = await run(["refresh", "--yes"]);
    expectUnchanged("the refresh", refresh.result.output, count);
    const after = await emulator.storeCounters(NAMESPACE);
    if (after.files !== stored.files) throw new Error(`bench sanity check: no-op runs of ${count} tenants uploaded ${after.files - stored.files} files`);
    log(`fleet of ${count}: preview ${preview.figures.seconds} s, no-op up ${noOpUp.figures.seconds} s, refresh ${refresh.figures.seconds} s (${refresh.figures.apiCalls} calls)`);

    // The state's make-up before the change, so that it compares with earlier runs.
    const state = analyzeState(await project.exportState(), { isTenant: (resource) => resource.type === TENANT_TYPE, files });

    const changed = changeOneTenant(sitesRoot);
    const oneChanged = await run(["up", "--yes"], "one-changed");
    if (!/^\s*~ 1 updated\s*$/m.test(oneChanged.result.output)) throw new Error(`bench sanity check: changing ${changed.file} of ${changed.tenant} did not update one resource:\n${oneChanged.result.output.slice(-2000)}`);
    const uploaded = (await emulator.storeCounters(NAMESPACE)).files - after.files;
    if (uploaded !== 1) throw new Error(`bench sanity check: changing one file of ${changed.tenant} uploaded ${uploaded} files`);
    const destroy = await run(["destroy", "--yes"], "destroy");
    // Stack + TenantSites component + its orphan watch + one resource per tenant.
    const deleted = Number(/^\s*- (\d+) deleted\s*$/m.exec(destroy.result.output)?.[1]);
    if (deleted !== count + 3) throw new Error(`bench sanity check: the destroy of ${count} tenants deleted ${deleted} resources:\n${destroy.result.output.slice(-2000)}`);
    log(`fleet of ${count}: one-tenant-changed up ${oneChanged.figures.seconds} s, destroy ${destroy.figures.seconds} s`);

    return {
      tenants: count,
      filesPerTenant: FLEET.filesPerTenant,
      files,
      rateLimit: budget?.spec ?? "off",
      clientBudget: env.WFP_ASSETS_API_BUDGET ?? process.env.WFP_ASSETS_API_BUDGET ?? "default (1200/300, 5 % reserve)",
      skipCheckpoints: process.env.PULUMI_SKIP_CHECKPOINTS === "true",
      operations: {
        coldUp: cold.figures,
        noOpPreview: preview.figures,
        noOpUp: noOpUp.figures,
        refresh: refresh.figures,
        oneTenantChangedUp: oneChanged.figures,
        destroy: destroy.figures,
      },
      state: Object.fromEntries(Object.entries(state).map(([key, value]) => [key, typeof value === "number" ? round(value, 1) : value])),
      emulatorWarnings: emulator.warnings,
    };
  } finally {
    await emulator.close();
  }
}
