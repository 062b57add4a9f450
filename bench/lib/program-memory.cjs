// Preloaded into a Pulumi program with NODE_OPTIONS="--require <this file>" (the engine passes the variable on to the
// program and the dynamic provider; this file acts in the program only, `cmd/run/index.js`). Samples
// `process.memoryUsage()` every 250 ms and writes `program-<pid>.peaks.json` (peak RSS, heapUsed, heapTotal, external,
// arrayBuffers in MiB, CPU, the samples) into HEAP_OUT_DIR at exit; with HEAP_SNAPSHOT_AT_MIB=<n>, also one heap
// snapshot once heapUsed passes n MiB (read it with bench/heap-summary.mjs). Used for bench/README.md, issue 19, the
// program's memory.
const argv1 = process.argv[1] || "";
if (/cmd[/\\]run([/\\]index\.js)?$/.test(argv1)) {
  const fs = require("node:fs");
  const v8 = require("node:v8");
  const out = process.env.HEAP_OUT_DIR || require("node:os").tmpdir();
  const snapshotAt = Number(process.env.HEAP_SNAPSHOT_AT_MIB || 0);
  const peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
  const started = Date.now();
  const samples = [];
  let taken = false;
  const sample = () => {
    const now = process.memoryUsage();
    for (const key of Object.keys(peak)) peak[key] = Math.max(peak[key], now[key]);
    samples.push([Date.now() - started, ...["rss", "heapUsed", "external", "arrayBuffers"].map((key) => now[key] >> 20)]);
    if (snapshotAt > 0 && !taken && now.heapUsed / 2 ** 20 >= snapshotAt) {
      taken = true;
      v8.writeHeapSnapshot(`${out}/program-${process.pid}.heapsnapshot`);
    }
  };
  setInterval(sample, 250).unref();
  process.on("exit", () => {
    sample();
    const peakMiB = Object.fromEntries(Object.entries(peak).map(([key, bytes]) => [key, Math.round(bytes / 2 ** 20)]));
    const columns = ["ms", "rssMiB", "heapUsedMiB", "externalMiB", "arrayBuffersMiB"];
    fs.writeFileSync(`${out}/program-${process.pid}.peaks.json`, JSON.stringify({ peakMiB, seconds: (Date.now() - started) / 1000, cpu: process.cpuUsage(), columns, samples }));
  });
}
