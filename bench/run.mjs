// Benchmarks, run against the compiled library: `npm run bench` (builds dist/ first), or
// `node bench/run.mjs [--rounds N] [--only NAME]` after a build. Speed is measured here, never asserted in tests.
//
// Each benchmark is a module exporting `name`, `description` and `run(context) → { rows, figures }`;
// add one by writing bench/<name>.mjs and listing it in BENCHMARKS. Every run writes
// bench/results/latest.json (git-ignored) with the machine description next to the figures.
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const BENCHMARKS = ["./manifest-build.mjs"];

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    only: { type: "string" },
  },
});
const rounds = Number(args.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive whole number, got ${args.rounds}`);

let manifest;
try {
  manifest = require("../dist/manifest/index.js");
} catch (error) {
  console.error(`Cannot load ../dist/manifest/index.js (${error.message}). Run \`npm run build\` first, or use \`npm run bench\`.`);
  process.exit(2);
}

/** mulberry32: a tiny seeded PRNG, so every run hashes the same bytes. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes a synthetic site: `directories` × `filesPerDirectory` files of `fileSize` printable bytes,
 * extensions cycling through `extensions`. Returns the file list (relative posix paths) for raw loops.
 */
export function writeSyntheticSite(root, { directories, filesPerDirectory, fileSize, extensions, seed }) {
  const random = seededRandom(seed);
  const files = [];
  const content = Buffer.alloc(fileSize);
  for (let d = 0; d < directories; d++) {
    const dir = path.join(root, `section-${String(d).padStart(3, "0")}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < filesPerDirectory; f++) {
      for (let i = 0; i < fileSize; i++) content[i] = 32 + Math.floor(random() * 95);
      const relative = `section-${String(d).padStart(3, "0")}/page-${f}.${extensions[f % extensions.length]}`;
      fs.writeFileSync(path.join(root, relative), content);
      files.push(relative);
    }
  }
  return files;
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    totalMemoryMiB: Math.round(os.totalmem() / 1024 / 1024),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

function printTable(title, rows) {
  console.log(`\n${title}`);
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => cells.map((cell, i) => String(cell).padStart(widths[i])).join("  ");
  console.log(line(columns));
  for (const row of rows) console.log(line(columns.map((c) => row[c])));
}

const selected = BENCHMARKS.filter((file) => !args.only || path.basename(file, ".mjs") === args.only);
if (selected.length === 0) throw new Error(`no benchmark named ${args.only}; have ${BENCHMARKS.join(", ")}`);

const results = { date: new Date().toISOString(), machine: machine(), rounds, benchmarks: {} };
console.log(`machine: ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.os}, Node ${results.machine.node}`);

const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), "wfp-assets-bench-"));
try {
  for (const file of selected) {
    const benchmark = await import(file);
    const scratch = fs.mkdtempSync(path.join(workRoot, `${benchmark.name}-`));
    const { rows, figures } = await benchmark.run({ manifest, scratch, rounds, writeSyntheticSite });
    printTable(`${benchmark.name}: ${benchmark.description}`, rows);
    results.benchmarks[benchmark.name] = figures;
  }
} finally {
  fs.rmSync(workRoot, { recursive: true, force: true });
}

results.maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
const resultsDir = path.join(here, "results");
fs.mkdirSync(resultsDir, { recursive: true });
fs.writeFileSync(path.join(resultsDir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nmax RSS ${results.maxRssMiB} MiB; wrote ${path.relative(process.cwd(), path.join(resultsDir, "latest.json"))}`);
