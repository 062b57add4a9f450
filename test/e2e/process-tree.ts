// The process-tree helpers live with the shared Pulumi project fixture (test/fixtures/process-tree.mts), which
// the benchmarks use too; the e2e tests keep importing them from here.
export { commandLine, descendantPids, isAlive, killProcessTree } from "../fixtures/process-tree.mjs";
