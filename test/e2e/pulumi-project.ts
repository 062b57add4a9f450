/**
 * The e2e suites' Pulumi project: the shared fixture (test/fixtures/pulumi-project.mts, which the benchmarks use
 * too) — the real pinned CLI on a throwaway project whose node_modules is an `npm install` of the packed package,
 * every run's output checked for secrets and JWTs — plus `guardSecrets`, which checks the exported state after
 * each test.
 */
export {
  PulumiProject,
  type ExportedDeployment,
  type ProjectOptions,
  type PulumiCommand,
  type RunningPulumi,
  type RunResult,
} from "../fixtures/pulumi-project.mjs";
export { OLDEST_SDK, PINNED_SDK, pulumiBinDir, REPO_ROOT } from "../fixtures/repo.mjs";
export { guardSecrets, JWT_PATTERN, SecretLeakError } from "./secret-guard.js";
