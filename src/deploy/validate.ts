import { DeployError } from "./errors.js";
import { HTML_HANDLING_VALUES, NOT_FOUND_HANDLING_VALUES, type DeployRequest } from "./types.js";

/** Cloudflare accepts at most 8 tags per script. */
export const MAX_TAGS = 8;

export class InvalidDeployRequestError extends DeployError {}

/**
 * Combinations Cloudflare would refuse only after the upload, checked up front so a bad request
 * costs no network call. (Field formats — names, dates — are checked where inputs enter: the
 * provider's check() and the CLI.)
 */
export function validateDeployRequest(request: DeployRequest): void {
  const fail = (message: string): never => {
    throw new InvalidDeployRequestError("session", message);
  };
  const { worker, assetConfig, tags } = request;
  const oneOf = (name: string, value: string | undefined, allowed: readonly string[]): void => {
    if (value !== undefined && !allowed.includes(value)) {
      fail(`${name} "${value}" is not one of ${allowed.map((v) => `"${v}"`).join(", ")}.`);
    }
  };
  oneOf("assetConfig.htmlHandling", assetConfig?.htmlHandling, HTML_HANDLING_VALUES);
  oneOf("assetConfig.notFoundHandling", assetConfig?.notFoundHandling, NOT_FOUND_HANDLING_VALUES);
  if (!worker && assetConfig?.runWorkerFirst !== undefined && assetConfig.runWorkerFirst !== false) {
    fail("assetConfig.runWorkerFirst needs a worker module: an assets-only worker has no code to run first. Add `worker` or remove runWorkerFirst.");
  }
  if (Array.isArray(assetConfig?.runWorkerFirst)) {
    for (const rule of assetConfig.runWorkerFirst) {
      if (!rule.startsWith("/") && !rule.startsWith("!/")) {
        fail(`assetConfig.runWorkerFirst rule "${rule}" must start with "/" or "!/" (e.g. "/api/*").`);
      }
    }
  }
  if (worker) {
    if (!worker.modules.some((module) => module.name === worker.mainModule)) {
      fail(`worker.mainModule "${worker.mainModule}" is not among the worker's modules (${worker.modules.map((m) => `"${m.name}"`).join(", ") || "none"}). Name one of them.`);
    }
    const names = new Set<string>();
    for (const binding of worker.bindings ?? []) {
      if (names.has(binding.name)) fail(`worker.bindings has two bindings named "${binding.name}"; binding names must be unique.`);
      names.add(binding.name);
    }
    if (worker.assetsBinding && names.has(worker.assetsBinding)) {
      fail(`worker.assetsBinding "${worker.assetsBinding}" clashes with a binding of the same name in worker.bindings.`);
    }
  }
  if (tags && tags.length > MAX_TAGS) fail(`tags has ${tags.length} entries; Cloudflare allows at most ${MAX_TAGS} per script.`);
}
