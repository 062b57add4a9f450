// The API budget's shared ledger (src/cloudflare/budget/ledger.ts) under real concurrency: WRITERS processes on one
// token, each recording CALLS counted calls as fast as it can and reading the others' after every call, as a
// RequestBudget does (it reads the ledger whenever it lets a call go or one completes). The ledger's clock runs
// SPEED times faster than the real one, so a few seconds cover many of its five-minute files.
//
// Figures: calls a process never heard of from the others (must be 0: the budget would undercount the token's
// window by that much), and the ledger's cost per counted call (one append and two reads) in microseconds.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { median, round } from "./lib/measure.mjs";

export const name = "budget-ledger";
export const description = "processes sharing the API budget's ledger: calls lost (must be 0), µs per counted call (lower is better)";

const WRITERS = 4;
const CALLS = 20_000;
/** 1 real second is 5 minutes of the ledger's clock: a run of a few seconds crosses several of its files. */
const SPEED = 300;
const HORIZON_MS = 10 * 60_000;

const distLedger = fileURLToPath(new URL("../dist/cloudflare/budget/ledger.js", import.meta.url));

/** One process: CALLS appends, each followed by two reads; prints what it heard and how long that took. */
const WRITER = `
const { FileBudgetLedger } = require(process.env.LEDGER_MODULE);
const base = Number(process.env.BASE);
const clock = () => base + (Date.now() - base) * ${SPEED};
const ledger = new FileBudgetLedger(process.env.DIR, "0123456789abcdef0123456789abcdef", ${HORIZON_MS}, clock);
const calls = Number(process.env.CALLS);
let heard = 0;
const started = performance.now();
for (let i = 0; i < calls; i++) {
  ledger.append(clock());
  heard += ledger.news().calls.length;
  heard += ledger.news().calls.length;
}
const micros = ((performance.now() - started) * 1000) / calls;
// The others may still be writing: keep reading until they are done (the parent says so on stdin).
const poll = setInterval(() => (heard += ledger.news().calls.length), 5);
process.stdin.once("data", () => {
  clearInterval(poll);
  heard += ledger.news().calls.length;
  ledger.close();
  process.stdout.write(JSON.stringify({ heard, micros }));
});
process.stderr.write("done\\n");
`;

function startWriter(node, env) {
  const child = spawn(node, ["-e", WRITER], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  const done = new Promise((resolve) => child.stderr.once("data", resolve));
  const result = new Promise((resolve, reject) => {
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`ledger writer exited ${code}: ${out}`))));
  });
  return { child, done, result };
}

async function round1(node, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const env = { LEDGER_MODULE: distLedger, DIR: dir, BASE: String(Date.now()), CALLS: String(CALLS) };
  const writers = Array.from({ length: WRITERS }, () => startWriter(node, env));
  await Promise.all(writers.map((w) => w.done));
  for (const w of writers) w.child.stdin.end("stop\n");
  const results = await Promise.all(writers.map((w) => w.result));
  const expected = (WRITERS - 1) * CALLS;
  return {
    lost: Math.max(...results.map((r) => expected - r.heard)),
    micros: median(results.map((r) => r.micros)),
    files: fs.readdirSync(dir).length,
  };
}

export async function run({ scratch, rounds, node, log }) {
  const n = Math.min(rounds, 3);
  const all = [];
  for (let r = 0; r < n; r++) {
    const figures = await round1(node, path.join(scratch, `round-${r}`));
    log(`round ${r + 1}/${n}: ${figures.lost} calls lost, ${round(figures.micros, 1)} µs per counted call, ${figures.files} files`);
    all.push(figures);
  }
  const lost = Math.max(...all.map((f) => f.lost));
  const micros = round(median(all.map((f) => f.micros)), 1);
  return {
    rows: [
      { measurement: `${WRITERS} processes × ${CALLS} calls: calls a process never heard of (worst round)`, value: lost, target: "0", met: lost === 0 },
      { measurement: "ledger cost per counted call (append + 2 reads), median", value: micros, unit: "µs" },
      { measurement: "files written (5-minute slots of the ledger's clock)", value: all.at(-1).files },
    ],
    figures: { writers: WRITERS, callsPerWriter: CALLS, speed: SPEED, rounds: all, lostWorst: lost, microsPerCall: micros },
  };
}
