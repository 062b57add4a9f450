// Benchmarks, run against the compiled library: `npm run bench` (builds dist/ first), or
// `node bench/run.mjs [--rounds N] [--only NAME[,NAME…]] [--tenants N[,N…]] [--rate-limit SPEC]` after a build.
// Speed is measured here, never asserted in tests.
//
// Each benchmark is a module exporting `name`, `description` and `run(context) → { rows, figures }`;
// add one by writing bench/<name>.mjs and listing it in BENCHMARKS. Every run writes
// bench/results/latest.json (git-ignored) with the machine description and load next to the figures.
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Agent, setGlobalDispatcher } from "undici";
import { loadAverage } from "./lib/measure.mjs";
import { writeSyntheticSite } from "./lib/sites.mjs";
import { wranglerVersion } from "./lib/wrangler.mjs";

export { writeSyntheticSite };

const BENCHMARKS = ["./manifest-build.mjs", "./deploy.mjs", "./pulumi-site.mjs", "./big-site.mjs", "./site-100k.mjs", "./tenants.mjs", "./budget-ledger.mjs", "./platform-service.mjs"];

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..");
const require = createRequire(import.meta.url);

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    only: { type: "string" },
    tenants: { type: "string", default: process.env.BENCH_TENANTS },
    "rate-limit": { type: "string", default: process.env.BENCH_RATE_LIMIT ?? "on" },
    "fleets-only": { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  console.log(`usage: node bench/run.mjs [--rounds N] [--only NAME[,NAME…]] [--tenants N[,N…]] [--rate-limit SPEC] [--fleets-only]
  --tenants      fleet sizes of the tenants benchmark (default 1000; env BENCH_TENANTS)
  --rate-limit   the emulator's rate limit in the tenants benchmark, and the client's budget with it: "on"
                 (Cloudflare's 1200/300, default), "off", or "N/W[,block=S]" (env BENCH_RATE_LIMIT)
  --fleets-only  the tenants benchmark runs only the fleets (not the 200 × 100 stack and wrangler)
benchmarks: ${BENCHMARKS.map((f) => path.basename(f, ".mjs")).join(", ")}`);
  process.exit(0);
}
const rounds = Number(args.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive whole number, got ${args.rounds}`);
const { parseFleetSizes } = await import("./tenants.mjs");
const options = { tenants: parseFleetSizes(args.tenants), rateLimit: args["rate-limit"], fleetsOnly: args["fleets-only"] };

// One connection per request from this process (admin and stats calls to the emulators: a handful per benchmark).
// Benchmarks block this process's event loop for long stretches (writing a 2 GiB site takes a minute of synchronous
// writes), longer than the emulator's 5 s keep-alive; a pooled connection the emulator closed meanwhile is reused
// before the close is read, and the call fails with "SocketError: other side closed" (bench/README.md).
setGlobalDispatcher(new Agent({ pipelining: 0 }));

let manifest;
try {
  manifest = require("../dist/manifest/index.js");
} catch (error) {
  console.error(`Cannot load ../dist/manifest/index.js (${error.message}). Run \`npm run build\` first, or use \`npm run bench\`.`);
  process.exit(2);
}

/** The project's Node 24 (a devDependency) for every child process, whatever Node runs this script. */
const repoNode = path.join(repoRoot, "node_modules", ".bin", "node");
const node = fs.existsSync(repoNode) ? repoNode : process.execPath;

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    totalMemoryMiB: Math.round(os.totalmem() / 1024 / 1024),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    wrangler: wranglerVersion(repoRoot),
  };
}

function printTable(title, rows) {
  console.log(`\n${title}`);
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (row, column) => {
    const value = row[column];
    if (value === undefined) return "";
    if (column === "met") return value ? "met" : "MISSED";
    return String(value);
  };
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  const line = (cells) => cells.map((text, i) => (i === 0 ? text.padEnd(widths[i]) : text.padStart(widths[i]))).join("  ");
  console.log(line(columns));
  for (const row of rows) console.log(line(columns.map((c) => cell(row, c))));
}

const wanted = args.only ? args.only.split(",").map((name) => name.trim()) : undefined;
const selected = BENCHMARKS.filter((file) => !wanted || wanted.includes(path.basename(file, ".mjs")));
for (const name of wanted ?? []) {
  if (!BENCHMARKS.some((file) => path.basename(file, ".mjs") === name)) {
    throw new Error(`no benchmark named ${name}; have ${BENCHMARKS.map((f) => path.basename(f, ".mjs")).join(", ")}`);
  }
}

const started = performance.now();
const results = { date: new Date().toISOString(), machine: machine(), rounds, options, loadAverageAtStart: loadAverage(), benchmarks: {} };
console.log(
  `machine: ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.os}, Node ${results.machine.node}, wrangler ${results.machine.wrangler}; load average ${results.loadAverageAtStart.join(" ")}`,
);

// Every benchmark's files stay until the whole run is over (~6 GB at most). Deleting tens of thousands of files makes
// the next minutes of file creation slow on a file system without a journal, such as this machine's (bench/README.md,
// "Why figures varied"): removing one benchmark's scratch would slow the next one's site writing and uploads.
const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), "wfp-assets-bench-"));
try {
  for (const file of selected) {
    const benchmark = await import(file);
    const scratch = fs.mkdtempSync(path.join(workRoot, `${benchmark.name}-`));
    const benchStarted = performance.now();
    const log = (line) => process.stderr.write(`  [${benchmark.name} ${((performance.now() - benchStarted) / 1000).toFixed(0)}s] ${line}\n`);
    const loadBefore = loadAverage();
    const { rows, figures } = await benchmark.run({ manifest, scratch, rounds, writeSyntheticSite, repoRoot, node, log, options });
    const seconds = Math.round((performance.now() - benchStarted) / 1000);
    printTable(`${benchmark.name}: ${benchmark.description} (${seconds} s; load average ${loadBefore[0]} → ${loadAverage()[0]})`, rows);
    results.benchmarks[benchmark.name] = { date: new Date().toISOString(), ...figures, seconds, loadAverageBefore: loadBefore, loadAverageAfter: loadAverage() };
  }
} finally {
  fs.rmSync(workRoot, { recursive: true, force: true });
}

results.loadAverageAtEnd = loadAverage();
results.seconds = Math.round((performance.now() - started) / 1000);
results.maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
const resultsDir = path.join(here, "results");
fs.mkdirSync(resultsDir, { recursive: true });
// --only runs update their own entries and keep the others' last figures.
const latest = path.join(resultsDir, "latest.json");
if (wanted && fs.existsSync(latest)) {
  try {
    const previous = JSON.parse(fs.readFileSync(latest, "utf8"));
    results.benchmarks = { ...previous.benchmarks, ...results.benchmarks };
  } catch {
    // an unreadable previous file is simply replaced
  }
}
fs.writeFileSync(latest, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\n${results.seconds} s in all; bench process max RSS ${results.maxRssMiB} MiB; wrote ${path.relative(process.cwd(), latest)}`);
