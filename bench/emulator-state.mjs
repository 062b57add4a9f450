// The emulator's own cost per mutation as the scripts it holds grow (issue 19: its persistence must not grow with
// them). For each size N: start the emulator in its own process (bench/lib/emulator.mjs), create a namespace, PUT N
// scripts into it, then DELETE them all, CONCURRENCY calls in flight; read the emulator's CPU before and after each
// phase. Prints CPU per mutation at every size and the growth ratio against the first size (1.0 = constant).
//
// `node bench/emulator-state.mjs [--sizes 1000,10000] [--concurrency 8] [--source DIR]` after a build. `--source`
// runs another checkout's build (its dist/cli.js), e.g. `git worktree add /tmp/emu-before <commit>` built there, to
// compare against the code before a change.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startEmulatorProcess } from "./lib/emulator.mjs";
import { loadAverage, round } from "./lib/measure.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000" },
    concurrency: { type: "string", default: "8" },
    source: { type: "string", default: path.resolve(here, "..") },
  },
});
const sizes = args.sizes.split(",").map(Number);
const concurrency = Number(args.concurrency);
if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(concurrency) || concurrency < 1) {
  throw new Error(`--sizes takes positive integers separated by commas (got "${args.sizes}"), --concurrency a positive integer (got "${args.concurrency}").`);
}
const source = path.resolve(args.source);
if (!fs.existsSync(path.join(source, "dist", "cli.js"))) throw new Error(`${source}/dist/cli.js is missing: build that checkout first (npm run build).`);

const NAMESPACE = "bench-state";
const WORKER = 'export default { fetch() { return new Response("tenant"); } };\n';

/** A tenant's script as the fleet deploys one, without assets: a module, bindings, tags, a compatibility date. */
function scriptForm(i) {
  const form = new FormData();
  const metadata = {
    main_module: "index.js",
    compatibility_date: "2026-11-01",
    bindings: [{ type: "plain_text", name: "TENANT", text: `tenant-${i}` }],
    tags: [`tenant-${i}`, "fleet"],
  };
  form.append("metadata", JSON.stringify(metadata));
  form.append("index.js", new Blob([WORKER], { type: "application/javascript+module" }), "index.js");
  return form;
}

async function call(emu, method, route, body) {
  const response = await fetch(`${emu.url}/accounts/${emu.account}/workers/dispatch/namespaces/${NAMESPACE}${route}`, {
    method,
    headers: { authorization: `Bearer ${emu.token}` },
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: HTTP ${response.status} ${text.slice(0, 300)}`);
}

/** Runs `task(i)` for i in 0..n-1 with `concurrency` in flight. */
async function pool(n, task) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await task(next++);
  }));
}

function dataDirBytes(dir) {
  let total = 0;
  for (const name of ["state.json", "state.journal"]) total += fs.statSync(path.join(dir, name), { throwIfNoEntry: false })?.size ?? 0;
  return total;
}

async function measure(n) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "wfp-bench-state-"));
  const emu = await startEmulatorProcess({ repoRoot: source, node: process.execPath, dataDir });
  try {
    await emu.createNamespace(NAMESPACE);
    const load = [loadAverage()[0]];
    const cpu0 = emu.cpuSeconds();
    let started = performance.now();
    await pool(n, (i) => call(emu, "PUT", `/scripts/tenant-${i}`, scriptForm(i)));
    const putWall = (performance.now() - started) / 1000;
    const cpu1 = emu.cpuSeconds();
    const stateBytes = dataDirBytes(dataDir);
    load.push(loadAverage()[0]);
    started = performance.now();
    await pool(n, (i) => call(emu, "DELETE", `/scripts/tenant-${i}`));
    const deleteWall = (performance.now() - started) / 1000;
    const cpu2 = emu.cpuSeconds();
    load.push(loadAverage()[0]);
    return { n, putCpu: cpu1 - cpu0, deleteCpu: cpu2 - cpu1, putWall, deleteWall, stateBytes, load };
  } finally {
    await emu.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(`emulator-state: ${source}, sizes ${sizes.join(", ")}, ${concurrency} calls in flight, ${new Date().toISOString()}`);
const results = [];
for (const n of sizes) {
  const r = await measure(n);
  results.push(r);
  console.log(
    `N=${n}: PUT ${round(r.putCpu)} s CPU (${round((r.putCpu * 1000) / n, 3)} ms/call, wall ${round(r.putWall)} s), ` +
      `DELETE ${round(r.deleteCpu)} s CPU (${round((r.deleteCpu * 1000) / n, 3)} ms/call, wall ${round(r.deleteWall)} s), ` +
      `state on disk after the PUTs ${round(r.stateBytes / 1e6)} MB, load ${r.load.map((l) => round(l, 1)).join(" / ")}`,
  );
}
const [base] = results;
console.log("\n| N | CPU per PUT | CPU per DELETE | growth per PUT | growth per DELETE | load (1 min) |\n| --- | --- | --- | --- | --- | --- |");
for (const r of results) {
  const perPut = r.putCpu / r.n;
  const perDelete = r.deleteCpu / r.n;
  console.log(
    `| ${r.n.toLocaleString("en")} | ${round(perPut * 1000, 3)} ms | ${round(perDelete * 1000, 3)} ms | ${round(perPut / (base.putCpu / base.n))} | ` +
      `${round(perDelete / (base.deleteCpu / base.n))} | ${r.load.map((l) => round(l, 1)).join("–")} |`,
  );
}
