// What a V8 heap snapshot holds, per tenant: `node --max-old-space-size=8000 bench/heap-summary.mjs <file.heapsnapshot>
// <tenants>`. Prints self size by constructor, strings by kind, Pulumi's stamped promises by their `_debugCtx`
// (runtime/debuggable.js), closure contexts by the variables they keep, closures by the script of their function, and
// plain objects by their property names — the tables bench/README.md (issue 19, the program's memory) was read from.
//
// Take the snapshot of the Pulumi program with a preload in NODE_OPTIONS (`--require <file>`: the engine passes the
// variable on to the program) that calls `v8.writeHeapSnapshot()` once `process.memoryUsage().heapUsed` passes a
// threshold, and only in the program (`process.argv[1]` ends in `cmd/run/index.js`); see that section.
import fs from "node:fs";

const [file, tenantsArg] = process.argv.slice(2);
if (!file || !fs.existsSync(file)) throw new Error(`usage: heap-summary.mjs <file.heapsnapshot> <tenants>; no snapshot at ${JSON.stringify(file)}`);
const tenants = Number(tenantsArg ?? 1);
if (!Number.isInteger(tenants) || tenants < 1) throw new Error(`heap-summary.mjs: <tenants> must be a positive whole number, got ${JSON.stringify(tenantsArg)}`);

const snap = JSON.parse(fs.readFileSync(file, "utf8"));
const meta = snap.snapshot.meta;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const [TYPE, NAME, SIZE, EDGES] = ["type", "name", "self_size", "edge_count"].map((f) => meta.node_fields.indexOf(f));
const [E_TYPE, E_NAME, E_TO] = ["type", "name_or_index", "to_node"].map((f) => meta.edge_fields.indexOf(f));
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const { nodes, edges, strings } = snap;
const count = nodes.length / NF;
const firstEdge = new Uint32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) {
  firstEdge[i] = e;
  e += nodes[i * NF + EDGES] * EF;
  firstEdge[i + 1] = e;
}
const typeOf = (i) => nodeTypes[nodes[i * NF + TYPE]];
const nameOf = (i) => strings[nodes[i * NF + NAME]];
const sizeOf = (i) => nodes[i * NF + SIZE];
function* edgesOf(i) {
  for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += EF) {
    const type = edgeTypes[edges[e + E_TYPE]];
    const name = type === "element" || type === "hidden" ? edges[e + E_NAME] : strings[edges[e + E_NAME]];
    yield [type, name, edges[e + E_TO] / NF];
  }
}
/** A string's text, cons and sliced strings joined (shortened: only the first pieces matter for grouping). */
function text(i, depth = 0) {
  const type = typeOf(i);
  if (type === "string") return nameOf(i);
  if (depth > 4) return "…";
  let s = "";
  for (const [, name, to] of edgesOf(i)) {
    if (type === "concatenated string" && (name === "first" || name === "second")) s += text(to, depth + 1);
    if (type === "sliced string" && name === "parent") return text(to, depth + 1).slice(0, 80);
  }
  return s;
}

const tables = {
  "self size by constructor": new Map(),
  "strings by kind": new Map(),
  "promises by _debugCtx (Pulumi's stamp)": new Map(),
  "closure contexts by their variables": new Map(),
  "closures by the script of their function": new Map(),
  "plain objects and outputs by their properties": new Map(),
};
const add = (table, key, size) => {
  const row = tables[table].get(key) ?? [0, 0];
  row[0] += size;
  row[1]++;
  tables[table].set(key, row);
};
let total = 0;
for (let i = 0; i < count; i++) {
  const type = typeOf(i);
  const name = nameOf(i);
  const size = sizeOf(i);
  total += size;
  add("self size by constructor", ["object", "native", "closure", "hidden", "array"].includes(type) ? `${type}:${name || "(anonymous)"}`.slice(0, 70) : type, size);
  if (type === "string") {
    const kind = name.startsWith("Error") ? `stack: ${name.split("\n")[0].slice(0, 40)}` : name.length > 200 ? `long: ${name.slice(0, 50).replace(/\n/g, "⏎")}` : "short";
    add("strings by kind", kind, size);
  } else if (type === "object" && name === "Promise") {
    let ctx = "(none)";
    for (const [, edge, to] of edgesOf(i)) if (edge === "_debugCtx") ctx = text(to).replace(/\(.*$/, "(…)");
    add("promises by _debugCtx (Pulumi's stamp)", ctx, size);
  } else if (type === "object" && name === "system / Context") {
    const vars = [...edgesOf(i)].filter(([t]) => t === "context").map(([, n]) => n);
    add("closure contexts by their variables", vars.slice(0, 8).join(", ") || "(none)", size);
  } else if (type === "closure") {
    let script = "?";
    for (const [, edge, shared] of edgesOf(i)) {
      if (edge !== "shared") continue;
      for (const [, e2, holder] of edgesOf(shared)) if (e2 === "script" || e2 === "script_or_debug_info") for (const [, e3, n] of edgesOf(holder)) if (e3 === "name") script = nameOf(n) || script;
    }
    add("closures by the script of their function", script.replace(/.*node_modules\//, ""), size);
  } else if (type === "object" && ["Object", "OutputImpl"].includes(name)) {
    const props = [...edgesOf(i)].filter(([t, n]) => t === "property" && n !== "__proto__").map(([, n]) => n);
    add("plain objects and outputs by their properties", `${name} {${props.slice(0, 10).join(", ")}}`, size);
  }
}

const mib = (bytes) => (bytes / 2 ** 20).toFixed(1).padStart(8);
console.log(`${count} nodes, ${mib(total).trim()} MiB in all, ${(total / tenants / 1024).toFixed(1)} KiB per tenant (${tenants} tenants)`);
for (const [title, table] of Object.entries(tables)) {
  console.log(`\n== ${title}: MiB, count, per tenant (bytes, count)`);
  for (const [key, [size, n]] of [...table].sort((a, b) => b[1][0] - a[1][0]).slice(0, 25)) {
    console.log(`${mib(size)} ${String(n).padStart(9)} ${(size / tenants).toFixed(0).padStart(8)} B ${(n / tenants).toFixed(1).padStart(7)}  ${key}`);
  }
}
