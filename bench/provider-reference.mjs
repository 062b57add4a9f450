// The provider's share of the state, by how the program reaches the package (issue 19): a TenantSites stack of
// `--tenants` × 5 files deployed with the real CLI for each layout of test/fixtures/linked-package.mts (the packed
// tarball installed; linked as a `file:` dependency, through `npm link`, in an npm workspace), then `pulumi stack
// export` measured (bench/lib/state-size.mjs): `__provider` bytes per resource (inputs + outputs) and state bytes per
// tenant. `--source DIR` links another build instead of the repository (package.json + dist/, e.g. an older commit's)
// — the installed layout always installs the repository's packed tarball.
//
//   node bench/provider-reference.mjs [--tenants 20] [--layouts installed,file,npm-link,workspace] [--source DIR]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startEmulatorProcess } from "./lib/emulator.mjs";
import { fleetEnv, NAMESPACE, TENANTS_PROGRAM } from "./lib/fleet.mjs";
import { round } from "./lib/measure.mjs";
import { PulumiProject } from "./lib/pulumi.mjs";
import { FLEET, flushWrites, writeTenantSites } from "./lib/sites.mjs";
import { analyzeState } from "./lib/state-size.mjs";

const { layOutPackage, PACKAGE_LAYOUTS } = await import("../test/fixtures/linked-package.mts");

const repoRoot = path.resolve(import.meta.dirname, "..");
const node = process.execPath;
const { values: args } = parseArgs({
  options: { tenants: { type: "string", default: "20" }, layouts: { type: "string" }, source: { type: "string" } },
});
const tenants = Number(args.tenants);
if (!Number.isInteger(tenants) || tenants < 1) throw new Error(`--tenants: expected a positive whole number, got ${args.tenants}`);
const layouts = args.layouts ? args.layouts.split(",") : PACKAGE_LAYOUTS;
for (const layout of layouts) if (!PACKAGE_LAYOUTS.includes(layout)) throw new Error(`--layouts: ${layout} is not one of ${PACKAGE_LAYOUTS.join(", ")}`);
const source = args.source ? path.resolve(args.source) : repoRoot;

const TENANT_TYPE = "pulumi-nodejs:dynamic/wfp:UserWorkerAssets";
const scratch = await mkdtemp(path.join(tmpdir(), "wfp-bench-reference-"));
const emulator = await startEmulatorProcess({ repoRoot, node, dataDir: path.join(scratch, "emulator") });
const rows = [];
try {
  await emulator.createNamespace(NAMESPACE);
  for (const layout of layouts) {
    // A namespace per layout: each stack creates its own scripts.
    const namespace = `${NAMESPACE}-${layout}`;
    await emulator.createNamespace(namespace);
    const sitesRoot = path.join(scratch, `sites-${layout}`);
    writeTenantSites(sitesRoot, { ...FLEET, tenants });
    flushWrites();
    const env = { ...fleetEnv({ emulator, sitesRoot }), BENCH_NAMESPACE: namespace };
    const project = await PulumiProject.create({ root: path.join(scratch, layout), name: `bench-reference-${layout}`, program: TENANTS_PROGRAM, env });
    const lives = await layOutPackage({ dir: project.dir, root: project.project.root, installed: project.project.installed }, layout, source);
    await project.initStack();
    const up = await project.run(["up", "--yes", "--skip-preview"]);
    const state = analyzeState(await project.exportState(), { isTenant: (resource) => resource.type === TENANT_TYPE, files: tenants * FLEET.filesPerTenant });
    if (state.tenants !== tenants) throw new Error(`bench sanity check: ${layout} has ${state.tenants} of ${tenants} tenants in state`);
    rows.push({ layout, lives, seconds: round(up.seconds), ...state });
    console.error(`${layout}: done (${round(up.seconds)} s)`);
  }
} finally {
  await emulator.close();
  await rm(scratch, { recursive: true, force: true });
}

console.log(`\n${tenants} tenants × ${FLEET.filesPerTenant} files, package from ${source}\n`);
console.log("| layout | `__provider` per resource (inputs + outputs) | of fixed: inputs + outputs | fixed per tenant | state per tenant | cold `up` |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const row of rows) {
  console.log(
    `| ${row.layout} | ${Math.round(row.providerBytesPerTenant).toLocaleString("en")} B | ${Math.round(row.propertyBytesPerTenant).toLocaleString("en")} B | ` +
      `${Math.round(row.fixedBytesPerTenant).toLocaleString("en")} B | ${Math.round(row.bytesPerTenant).toLocaleString("en")} B | ${row.seconds} s |`,
  );
}
