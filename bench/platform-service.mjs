// The platform service (packages/platform-service) on Postgres, next to the same deploys through the library without
// Pulumi (`wfp-assets deploy`, one process per tenant, as a script would run it), printed side by side:
//
//   - one tenant, upload → live (p50 of SOLO new tenants, one after another; each creates its stack);
//   - an unchanged re-upload (p50 of SOLO), with the Pulumi CLI runs and Cloudflare requests it cost;
//   - CROWD tenants uploading at once vs CROWD `wfp-assets deploy` at once: median, worst, all live, deploys per
//     CPU-second (service: the service process and every process it waited for — Pulumi CLIs, providers);
//   - the Pulumi state's backend on DATABASE_URL: one new tenant, upload → live (p50 of SOLO) and the CLI's CPU, with
//     a file backend and with the CLI's Postgres backend in the same database (the scale-out default);
//   - 3 replicas on one Postgres (the Pulumi state in it too), CROWD other tenants spread over them: each deployed
//     exactly once (one attempt, one script PUT) and live (what the emulator serves), and the throughput next to the
//     single replica's.
//
// Every tenant has its own salt on both sides, so every file of every deploy is uploaded. The service runs with its
// default 4 deploys at once per replica. The Pulumi CLI is wrapped (GNU time) to count its runs and their CPU.
// BENCH_PLATFORM_TENANTS sets CROWD (default 100): on a loaded machine a smaller run stays within ~10 minutes.
import fs from "node:fs";
import path from "node:path";
import { create as createTar } from "tar";
import { startEmulatorProcess } from "./lib/emulator.mjs";
import "./lib/fixtures.mjs"; // registers the resolve hook that lets Node load the tests' TypeScript helpers
import { loadAverage, median, round } from "./lib/measure.mjs";
import { runTimed } from "./lib/processes.mjs";
import { writeTenantSites } from "./lib/sites.mjs";

const { startService } = await import("../test/platform-service/service-process.ts");
const { serviceEnv } = await import("../test/platform-service/service-env.ts");
const { startTestPostgres } = await import("../test/platform-service/postgres.ts");
const { acceptedSchema, followEvents, putSite } = await import("../test/platform-service/service-client.ts");
const { servedBody } = await import("../test/fixtures/emulator.mts");

export const name = "platform-service";
export const description = "the platform service (Automation API, Postgres) vs `wfp-assets deploy`, seconds (lower is better)";

const SOLO = 5;
const CROWD = Number(process.env.BENCH_PLATFORM_TENANTS ?? 100);
const REPLICAS = 3;
const SPEC = { filesPerTenant: 100, fileSize: 4096, seed: 180018 };
const NAMESPACE = "tenants";
/** All CROWD uploads are received at once (the default, 16, answers the rest 429 `too-many-uploads`). */
const UPLOADS_AT_ONCE = String(Math.max(16, CROWD));

async function tarGz(dir) {
  const chunks = [];
  for await (const chunk of createTar({ gzip: true, cwd: dir, portable: true }, ["."])) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * A CLI root whose bin/pulumi runs the pinned CLI under GNU time, appending "<wall> <user> <system> <args>" to
 * `logFile` per run. Only the CLI is wrapped: the engine finds its bundled plugins next to the real binary.
 */
async function wrappedCli(repoRoot, node, dir, logFile) {
  const result = await runTimed(node, [path.join(repoRoot, "scripts", "pulumi.mjs"), "--print-bin-dir"], { rusage: false });
  if (result.code !== 0) throw new Error(`scripts/pulumi.mjs --print-bin-dir failed:\n${result.output}`);
  const real = path.join(result.stdout.trim().split("\n").at(-1), "pulumi");
  fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
  const timed = fs.existsSync("/usr/bin/time") ? `/usr/bin/time -a -o '${logFile}' -f '%e %U %S %C' ` : "";
  fs.writeFileSync(path.join(dir, "bin", "pulumi"), `#!/bin/sh\nexec ${timed}'${real}' "$@"\n`, { mode: 0o755 });
  fs.writeFileSync(logFile, "");
  return dir;
}

/** The CLI runs logged since `from` (a line count): how many, their CPU, and per command (`up`, `stack init`, …). */
function cliRuns(logFile, from) {
  const runs = fs
    .readFileSync(logFile, "utf8")
    .split("\n")
    .slice(from)
    .map((line) => /^([\d.]+) ([\d.]+) ([\d.]+) \S*pulumi (\S+)(?: (\S+))?/.exec(line))
    .filter(Boolean)
    .map((m) => ({ cpu: Number(m[2]) + Number(m[3]), command: m[4] === "stack" ? `stack ${m[5]}` : m[4] }));
  const byCommand = {};
  for (const run of runs) {
    byCommand[run.command] ??= { runs: 0, cpu: 0 };
    byCommand[run.command].runs++;
    byCommand[run.command].cpu = round(byCommand[run.command].cpu + run.cpu);
  }
  return { count: runs.length, cpu: round(runs.reduce((sum, run) => sum + run.cpu, 0)), byCommand };
}
const logLines = (logFile) => fs.readFileSync(logFile, "utf8").split("\n").length - 1;

/** CPU seconds of a live process plus every child it has waited for (utime, stime, cutime, cstime). */
function treeCpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
}

/** PUT the archive and follow its deployment to the end: seconds from the PUT to "succeeded". */
async function serviceDeploy(url, tenant, archive) {
  const started = performance.now();
  const accepted = await putSite(url, tenant, archive);
  if (accepted.status !== 202 && accepted.status !== 200) throw new Error(`PUT ${tenant}: HTTP ${accepted.status} ${accepted.text}`);
  const finished = await followEvents(url, tenant, acceptedSchema.parse(accepted.json).deployment.id);
  const seconds = (performance.now() - started) / 1000;
  if (finished.deployment.status !== "succeeded") throw new Error(`${tenant} did not go live:\n${finished.lines.join("\n")}`);
  return { seconds, unchanged: accepted.json.unchanged === true, result: finished.deployment.result };
}

/** `wfp-assets deploy` in its own process: spawn to exit, which is when the script PUT has made it live. */
async function libraryDeploy({ repoRoot, node, emulator, namespace, tenant, dir }) {
  const result = await runTimed(
    node,
    [path.join(repoRoot, "dist", "cli.js"), "deploy", dir, "--account", emulator.account, "--namespace", namespace, "--script", tenant, "--salt", `bench-salt-${tenant}`],
    { env: { PATH: process.env.PATH, CLOUDFLARE_API_BASE_URL: emulator.url, CLOUDFLARE_API_TOKEN: emulator.token } },
  );
  if (result.code !== 0) throw new Error(`wfp-assets deploy ${tenant} failed (exit ${result.code}):\n${result.output.slice(-3000)}`);
  return { seconds: result.seconds, cpuSeconds: result.cpuSeconds ?? 0 };
}

async function atOnce(items, deploy) {
  const started = performance.now();
  const results = await Promise.all(items.map(deploy));
  return { seconds: results.map((r) => r.seconds), wallSeconds: (performance.now() - started) / 1000, results };
}

/** What a visitor gets: a text file of each tenant's site (text is served as is, whatever the HTML handling). */
async function expectLive(emulator, namespace, tenants, sitesRoot) {
  for (const tenant of tenants) {
    const served = await servedBody(emulator.origin, namespace, tenant, "/section-000/page-4.txt");
    const expected = fs.readFileSync(path.join(sitesRoot, tenant, "public", "section-000", "page-4.txt"), "utf8");
    if (served !== expected) throw new Error(`bench sanity check: ${namespace}/${tenant} does not serve its upload`);
  }
}

export async function run({ repoRoot, node, scratch, log }) {
  const sitesRoot = path.join(scratch, "sites");
  const tenants = writeTenantSites(sitesRoot, { ...SPEC, tenants: 3 * SOLO + 2 * CROWD });
  const archives = new Map();
  for (const tenant of tenants) archives.set(tenant, await tarGz(path.join(sitesRoot, tenant, "public")));
  const solo = tenants.slice(0, SOLO);
  const crowd = tenants.slice(SOLO, SOLO + CROWD);
  const spread = tenants.slice(SOLO + CROWD, SOLO + 2 * CROWD);
  const byBackend = { file: tenants.slice(SOLO + 2 * CROWD, 2 * SOLO + 2 * CROWD), postgres: tenants.slice(2 * SOLO + 2 * CROWD) };
  const cliLog = path.join(scratch, "pulumi-runs.log");
  const cliRoot = await wrappedCli(repoRoot, node, path.join(scratch, "cli"), cliLog);
  const emulator = await startEmulatorProcess({ repoRoot, node, dataDir: path.join(scratch, "emulator") });
  const loads = {};
  const service = {};
  const library = {};
  try {
    // The library first, on its own namespace.
    loads.library = loadAverage()[0];
    await emulator.createNamespace("library");
    const deploy = (tenant) => libraryDeploy({ repoRoot, node, emulator, namespace: "library", tenant, dir: path.join(sitesRoot, tenant, "public") });
    const libOne = [];
    for (const tenant of solo) libOne.push(await deploy(tenant));
    library.one = median(libOne.map((r) => r.seconds));
    library.cpuPerDeploy = median(libOne.map((r) => r.cpuSeconds));
    const libMany = await atOnce(crowd, deploy);
    library.crowdMedian = median(libMany.seconds);
    library.crowdWorst = Math.max(...libMany.seconds);
    library.crowdWall = libMany.wallSeconds;
    library.deploysPerCpuSecond = CROWD / libMany.results.reduce((sum, r) => sum + r.cpuSeconds, 0);
    await expectLive(emulator, "library", [...solo, ...crowd], sitesRoot);
    log(`library: one ${round(library.one)} s; ${CROWD} at once median ${round(library.crowdMedian)} s, worst ${round(library.crowdWorst)} s`);

    // One replica (its embedded Postgres), on the "tenants" namespace.
    loads.service = loadAverage()[0];
    await emulator.createNamespace(NAMESPACE);
    const dataDir = path.join(scratch, "service");
    const single = await startService(await serviceEnv({ dataDir, emulator, extra: { PLATFORM_PULUMI_ROOT: cliRoot, PLATFORM_NAMESPACE: NAMESPACE, PLATFORM_MAX_CONCURRENT_UPLOADS: UPLOADS_AT_ONCE } }));
    try {
      const one = [];
      const breakdown = [];
      for (const tenant of solo) {
        const [cpuBefore, runsBefore] = [treeCpuSeconds(single.pid), logLines(cliLog)];
        one.push((await serviceDeploy(single.url, tenant, archives.get(tenant))).seconds);
        breakdown.push({ treeCpu: treeCpuSeconds(single.pid) - cpuBefore, cli: cliRuns(cliLog, runsBefore) });
      }
      service.one = median(one);
      service.cpuPerDeploy = median(breakdown.map((b) => b.treeCpu));
      service.cliRunsPerDeploy = median(breakdown.map((b) => b.cli.count));
      service.cliCpuPerDeploy = median(breakdown.map((b) => b.cli.cpu));
      service.cliByCommand = breakdown.at(-1).cli.byCommand;
      const noOp = [];
      const requestsBefore = await emulator.apiCounters();
      const runsBefore = logLines(cliLog);
      for (const tenant of solo) {
        const again = await serviceDeploy(single.url, tenant, archives.get(tenant));
        if (!again.unchanged) throw new Error(`bench sanity check: the unchanged re-upload of ${tenant} was deployed`);
        noOp.push(again.seconds);
      }
      service.noOp = median(noOp);
      service.noOpCliRuns = cliRuns(cliLog, runsBefore).count;
      service.noOpRequests = round(((await emulator.apiCounters()).calls - requestsBefore.calls) / SOLO);
      const cpuBefore = treeCpuSeconds(single.pid);
      const many = await atOnce(crowd, (tenant) => serviceDeploy(single.url, tenant, archives.get(tenant)));
      service.crowdMedian = median(many.seconds);
      service.crowdWorst = Math.max(...many.seconds);
      service.crowdWall = many.wallSeconds;
      service.deploysPerCpuSecond = CROWD / (treeCpuSeconds(single.pid) - cpuBefore);
      await expectLive(emulator, NAMESPACE, [...solo, ...crowd], sitesRoot);
      log(`service: one ${round(service.one)} s, unchanged ${round(service.noOp)} s; ${CROWD} at once median ${round(service.crowdMedian)} s, worst ${round(service.crowdWorst)} s`);
    } finally {
      const code = await single.stop();
      if (code !== 0) log(`the service exited with ${code}:\n${single.output().slice(-2000)}`);
    }

    const postgres = await startTestPostgres();
    const replicas = [];
    try {
      // One replica on DATABASE_URL, its Pulumi state in a file backend, then in the CLI's Postgres backend.
      loads.backends = loadAverage()[0];
      service.backends = {};
      for (const [backend, names] of Object.entries(byBackend)) {
        const extra = { PLATFORM_PULUMI_ROOT: cliRoot, PLATFORM_NAMESPACE: NAMESPACE, ...(backend === "file" ? { PULUMI_BACKEND_URL: `file://${path.join(scratch, "file-state")}` } : {}) };
        const one = await startService(await serviceEnv({ dataDir: path.join(scratch, `backend-${backend}`), emulator, databaseUrl: await postgres.database(), extra }));
        try {
          const seconds = [];
          const cli = [];
          for (const tenant of names) {
            const runsBefore = logLines(cliLog);
            seconds.push((await serviceDeploy(one.url, tenant, archives.get(tenant))).seconds);
            cli.push(cliRuns(cliLog, runsBefore));
          }
          service.backends[backend] = { one: median(seconds), cliCpu: median(cli.map((c) => c.cpu)), byCommand: cli.at(-1).byCommand };
        } finally {
          await one.stop();
        }
      }
      await expectLive(emulator, NAMESPACE, [...byBackend.file, ...byBackend.postgres], sitesRoot);
      log(`Pulumi backend on DATABASE_URL: file ${round(service.backends.file.one)} s, postgres ${round(service.backends.postgres.one)} s per new tenant`);

      // Three replicas on one Postgres (the Pulumi state in it too), CROWD other tenants sent round-robin.
      loads.replicas = loadAverage()[0];
      const databaseUrl = await postgres.database();
      for (let i = 0; i < REPLICAS; i++) {
        replicas.push(
          await startService(
            await serviceEnv({
              dataDir: path.join(scratch, `replica-${i}`),
              emulator,
              databaseUrl,
              extra: { PLATFORM_PULUMI_ROOT: cliRoot, PLATFORM_NAMESPACE: NAMESPACE, PLATFORM_MAX_CONCURRENT_UPLOADS: UPLOADS_AT_ONCE },
            }),
          ),
        );
      }
      const many = await atOnce(spread, (tenant, i) => serviceDeploy(replicas[i % REPLICAS].url, tenant, archives.get(tenant)));
      service.replicasWall = many.wallSeconds;
      service.replicasMedian = median(many.seconds);
      await expectLive(emulator, NAMESPACE, spread, sitesRoot);
      const scripts = (await emulator.stats())?.namespaces?.[NAMESPACE]?.scripts ?? {};
      const putTwice = spread.filter((tenant) => scripts[tenant]?.puts !== 1);
      if (putTwice.length > 0) throw new Error(`bench sanity check: not deployed exactly once: ${putTwice.join(", ")}`);
      log(`${REPLICAS} replicas: ${CROWD} tenants live in ${round(many.wallSeconds)} s`);
    } finally {
      for (const replica of replicas) await replica.stop();
      await postgres.stop();
    }
  } finally {
    await emulator.close();
  }

  const row = (measurement, s, l, unit = "s") => ({
    measurement,
    service: s === undefined ? undefined : round(s),
    library: l === undefined ? undefined : round(l),
    ratio: s !== undefined && l !== undefined ? round(s / l) : undefined,
    unit,
  });
  const rows = [
    row(`one tenant, upload → live (p50 of ${SOLO} new tenants)`, service.one, library.one),
    row(`unchanged re-upload (p50 of ${SOLO})`, service.noOp),
    { measurement: "unchanged re-upload: Pulumi CLI runs, Cloudflare requests per upload", service: `${service.noOpCliRuns}, ${service.noOpRequests}`, unit: "" },
    row(`${CROWD} tenants at once: median upload → live`, service.crowdMedian, library.crowdMedian),
    row(`${CROWD} tenants at once: worst (= all live)`, service.crowdWorst, library.crowdWorst),
    row(`${CROWD} tenants at once: deploys per CPU-second`, service.deploysPerCpuSecond, library.deploysPerCpuSecond, "/s"),
    { measurement: `Pulumi state on DATABASE_URL: one tenant, upload → live (p50 of ${SOLO}), file / Postgres backend`, service: `${round(service.backends.file.one)} / ${round(service.backends.postgres.one)}`, unit: "s" },
    { measurement: "  CLI CPU per new tenant's deploy, file / Postgres backend", service: `${round(service.backends.file.cliCpu)} / ${round(service.backends.postgres.cliCpu)}`, unit: "s" },
    {
      measurement: "  per command, file | Postgres",
      service: ["file", "postgres"].map((b) => Object.entries(service.backends[b].byCommand).map(([c, v]) => `${c} ${v.cpu}`).join(", ")).join(" | "),
      unit: "",
    },
    row(`${REPLICAS} replicas, ${CROWD} tenants round-robin: all live`, service.replicasWall, undefined),
    row(`throughput: 1 replica / ${REPLICAS} replicas, deploys per second`, CROWD / service.crowdWall, CROWD / service.replicasWall, "/s"),
    row("CPU of one new tenant's deploy (service + CLI + provider / wfp-assets)", service.cpuPerDeploy, library.cpuPerDeploy),
    { measurement: "  of which Pulumi CLI (runs; CPU per command)", service: `${service.cliRunsPerDeploy}; ${Object.entries(service.cliByCommand).map(([c, v]) => `${c} ${v.cpu}`).join(", ")}`, unit: "" },
    { measurement: "load average (1 min) at library / service / backends / replicas", service: `${loads.library} / ${loads.service} / ${loads.backends} / ${loads.replicas}`, unit: "" },
  ];
  return { rows, figures: { site: SPEC, solo: SOLO, crowd: CROWD, replicas: REPLICAS, loadAverage1m: loads, service, library, emulatorWarnings: emulator.warnings } };
}
