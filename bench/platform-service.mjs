// The platform service (packages/platform-service): time from a tenant's upload to its site being live, for one
// tenant and for 20 tenants uploading at once (median and worst), next to the same deploys through the library
// without Pulumi (`wfp-assets deploy`, one process per tenant, as a script would run it). Also the no-op
// re-upload of an unchanged archive.
//
// Each round uses a fresh namespace (and a fresh service data directory) for each side, and every tenant has
// its own hash salt on both sides, so every file of every deploy is uploaded: 21 × 100 × 4 KiB per side.
import fs from "node:fs";
import path from "node:path";
import { create as createTar } from "tar";
import { startEmulatorProcess } from "./lib/emulator.mjs";
import "./lib/fixtures.mjs"; // registers the resolve hook that lets Node load the tests' TypeScript helpers
import { loadAverage, median, round } from "./lib/measure.mjs";
import { runTimed } from "./lib/processes.mjs";
import { writeTenantSites } from "./lib/sites.mjs";

const { startService } = await import("../test/platform-service/service-process.ts");
const { acceptedSchema, followEvents, putSite } = await import("../test/platform-service/service-client.ts");

export const name = "platform-service";
export const description = "upload → live through the platform service (Automation API) vs `wfp-assets deploy`, seconds (lower is better)";

const SPEC = { tenants: 21, filesPerTenant: 100, fileSize: 4096, seed: 140014 };
const AT_ONCE = 20;
/** The service's default; the 20 concurrent uploads queue behind it. */
const SERVICE_CONCURRENCY = 4;

async function tarGz(dir) {
  const chunks = [];
  for await (const chunk of createTar({ gzip: true, cwd: dir, portable: true }, ["."])) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function pulumiRoot(repoRoot, node) {
  return runTimed(node, [path.join(repoRoot, "scripts", "pulumi.mjs"), "--print-bin-dir"], { rusage: false }).then((result) => {
    if (result.code !== 0) throw new Error(`scripts/pulumi.mjs --print-bin-dir failed:\n${result.output}`);
    return path.dirname(result.stdout.trim().split("\n").at(-1));
  });
}

/**
 * CPU seconds of a live process plus every child it has waited for (utime, stime, cutime, cstime): for the
 * service, that is itself, the Pulumi CLIs it ran and, through them, the provider processes they started.
 */
function treeCpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
}

/** PUT the archive, then follow the deployment's events to its end: seconds from the PUT to "succeeded". */
async function serviceDeploy(service, tenant, archive) {
  const started = performance.now();
  const accepted = await putSite(service.url, tenant, archive);
  if (accepted.status !== 202) throw new Error(`PUT ${tenant}: HTTP ${accepted.status} ${accepted.text}`);
  const finished = await followEvents(service.url, tenant, acceptedSchema.parse(accepted.json).deployment.id);
  const seconds = (performance.now() - started) / 1000;
  if (finished.deployment.status !== "succeeded") throw new Error(`${tenant} did not go live:\n${finished.lines.join("\n")}`);
  return { seconds, uploadedFiles: finished.deployment.result.uploadedFiles, changed: finished.deployment.result.changed };
}

/** `wfp-assets deploy` in its own process: spawn to exit, which is when the script PUT has made it live. */
async function libraryDeploy({ repoRoot, node, emulator, namespace, tenant, dir }) {
  const result = await runTimed(
    node,
    [path.join(repoRoot, "dist", "cli.js"), "deploy", dir, "--account", emulator.account, "--namespace", namespace, "--script", tenant, "--salt", `bench-salt-${tenant}`],
    { env: { PATH: process.env.PATH, CLOUDFLARE_API_BASE_URL: emulator.url, CLOUDFLARE_API_TOKEN: emulator.token } },
  );
  if (result.code !== 0) throw new Error(`wfp-assets deploy ${tenant} failed (exit ${result.code}):\n${result.output.slice(-3000)}`);
  return { seconds: result.seconds, cpuSeconds: result.cpuSeconds };
}

/** Runs all at once; per-item seconds plus the wall time until the last is live. */
async function atOnce(items, deploy) {
  const started = performance.now();
  const results = await Promise.all(items.map(deploy));
  return { seconds: results.map((r) => r.seconds), wallSeconds: (performance.now() - started) / 1000, results };
}

export async function run({ repoRoot, node, scratch, rounds, log }) {
  const sitesRoot = path.join(scratch, "sites");
  const tenants = writeTenantSites(sitesRoot, SPEC);
  const archives = new Map();
  for (const tenant of tenants) archives.set(tenant, await tarGz(path.join(sitesRoot, tenant, "public")));
  const [solo, ...crowd] = tenants;
  const root = await pulumiRoot(repoRoot, node);
  const emulator = await startEmulatorProcess({ repoRoot, node, dataDir: path.join(scratch, "emulator") });
  const n = Math.min(rounds, 3);
  const service = { one: [], noOp: [], crowdMedian: [], crowdWorst: [], crowdWall: [], cpuPerDeploy: [], emulatorCpuPerDeploy: [] };
  const library = { one: [], crowdMedian: [], crowdWorst: [], crowdWall: [], cpuPerDeploy: [], emulatorCpuPerDeploy: [] };
  const loads = [];
  try {
    for (let r = 0; r < n; r++) {
      loads.push(loadAverage()[0]);
      const order = r % 2 === 0 ? ["service", "library"] : ["library", "service"];
      for (const who of order) {
        const namespace = `${who}-r${r}`;
        await emulator.createNamespace(namespace);
        if (who === "service") {
          const dataDir = path.join(scratch, `service-r${r}`);
          const running = await startService({
            PLATFORM_DATA_DIR: dataDir,
            PLATFORM_PULUMI_ROOT: root,
            PLATFORM_NAMESPACE: namespace,
            PLATFORM_MAX_CONCURRENT_DEPLOYS: String(SERVICE_CONCURRENCY),
            CLOUDFLARE_API_BASE_URL: emulator.url,
            CLOUDFLARE_API_TOKEN: emulator.token,
            CLOUDFLARE_ACCOUNT_ID: emulator.account,
            PULUMI_BACKEND_URL: undefined,
            PULUMI_CONFIG_PASSPHRASE: undefined,
          });
          try {
            const cpuBefore = treeCpuSeconds(running.pid);
            const emulatorBefore = emulator.cpuSeconds();
            const one = await serviceDeploy(running, solo, archives.get(solo));
            service.cpuPerDeploy.push(treeCpuSeconds(running.pid) - cpuBefore);
            service.emulatorCpuPerDeploy.push(emulator.cpuSeconds() - emulatorBefore);
            const noOp = await serviceDeploy(running, solo, archives.get(solo));
            if (noOp.changed || noOp.uploadedFiles !== 0) throw new Error(`bench sanity check: the unchanged re-upload uploaded ${noOp.uploadedFiles} files`);
            const many = await atOnce(crowd.slice(0, AT_ONCE), (tenant) => serviceDeploy(running, tenant, archives.get(tenant)));
            service.one.push(one.seconds);
            service.noOp.push(noOp.seconds);
            service.crowdMedian.push(median(many.seconds));
            service.crowdWorst.push(Math.max(...many.seconds));
            service.crowdWall.push(many.wallSeconds);
            log(`round ${r + 1}/${n} service: one ${round(one.seconds)} s, no-op ${round(noOp.seconds)} s, ${AT_ONCE} at once median ${round(median(many.seconds))} s / worst ${round(Math.max(...many.seconds))} s`);
          } finally {
            const code = await running.stop();
            if (code !== 0) log(`the service exited with ${code}:\n${running.output().slice(-2000)}`);
            fs.rmSync(dataDir, { recursive: true, force: true });
          }
        } else {
          const deploy = (tenant) => libraryDeploy({ repoRoot, node, emulator, namespace, tenant, dir: path.join(sitesRoot, tenant, "public") });
          const emulatorBefore = emulator.cpuSeconds();
          const one = await deploy(solo);
          library.emulatorCpuPerDeploy.push(emulator.cpuSeconds() - emulatorBefore);
          if (one.cpuSeconds !== undefined) library.cpuPerDeploy.push(one.cpuSeconds);
          const many = await atOnce(crowd.slice(0, AT_ONCE), deploy);
          library.one.push(one.seconds);
          library.crowdMedian.push(median(many.seconds));
          library.crowdWorst.push(Math.max(...many.seconds));
          library.crowdWall.push(many.wallSeconds);
          log(`round ${r + 1}/${n} library: one ${round(one.seconds)} s, ${AT_ONCE} at once median ${round(median(many.seconds))} s / worst ${round(Math.max(...many.seconds))} s`);
        }
        const stored = await emulator.storeCounters(namespace);
        const expected = (1 + AT_ONCE) * SPEC.filesPerTenant;
        if (stored.files !== expected) throw new Error(`bench sanity check: ${namespace} stored ${stored.files} of ${expected} files`);
        await emulator.deleteNamespace(namespace);
      }
    }
  } finally {
    await emulator.close();
  }

  const med = (list) => round(median(list));
  const figures = {
    site: { ...SPEC, tenantsAtOnce: AT_ONCE },
    serviceConcurrency: SERVICE_CONCURRENCY,
    rounds: n,
    loadAverage1m: loads,
    service: Object.fromEntries(Object.entries(service).map(([key, list]) => [key, list.map((s) => round(s))])),
    library: Object.fromEntries(Object.entries(library).map(([key, list]) => [key, list.map((s) => round(s))])),
    emulatorWarnings: emulator.warnings,
  };
  const row = (measurement, serviceList, libraryList) => ({
    measurement,
    service: med(serviceList),
    library: libraryList ? med(libraryList) : undefined,
    ratio: libraryList ? round(median(serviceList) / median(libraryList)) : undefined,
    unit: "s",
  });
  const rows = [
    row("one tenant, upload → live", service.one, library.one),
    row(`${AT_ONCE} tenants at once: median upload → live`, service.crowdMedian, library.crowdMedian),
    row(`${AT_ONCE} tenants at once: worst upload → live`, service.crowdWorst, library.crowdWorst),
    row(`${AT_ONCE} tenants at once: all live`, service.crowdWall, library.crowdWall),
    row("re-upload of an unchanged archive (no-op, 0 files sent)", service.noOp),
    row("CPU of one cold deploy: service + Pulumi CLI + provider / the wfp-assets process", service.cpuPerDeploy, library.cpuPerDeploy.length ? library.cpuPerDeploy : undefined),
    row("emulator CPU during that deploy", service.emulatorCpuPerDeploy, library.emulatorCpuPerDeploy),
    { measurement: "service deploys at once (PLATFORM_MAX_CONCURRENT_DEPLOYS)", service: SERVICE_CONCURRENCY, unit: "" },
    { measurement: "load average (1 min) per round", service: loads.join(" "), unit: "" },
  ];
  return { rows, figures };
}
