import { z } from "zod";
import { compatibilityDateSchema, compatibilityFlagsSchema } from "./compatibility.js";

/** A binding as Cloudflare's metadata takes it: `{ type, name, ... }`; the assets binding has its own setting. */
export const bindingSchema = z
  .object({ type: z.string().min(1, { error: "a binding needs a type" }), name: z.string().min(1, { error: "a binding needs a name" }) })
  .loose()
  .refine((b) => b.type !== "assets", {
    error: 'declare the assets binding with assetsBinding (e.g. "ASSETS"), not as a binding of type "assets"',
  });

export const bindingsSchema = z.array(bindingSchema).superRefine((bindings, ctx) => {
  const seen = new Set<string>();
  for (const [i, binding] of bindings.entries()) {
    if (seen.has(binding.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `two bindings are named "${binding.name}"; binding names must be unique` });
    seen.add(binding.name);
  }
});

/** The name the worker reaches its assets by (`env.ASSETS`): a JavaScript identifier. */
export const assetsBindingSchema = z
  .string()
  .regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/, { error: "assetsBinding must be a JavaScript identifier such as ASSETS" });

/** Worker settings besides its code, shared by the resource, tenant.json and the CLI. */
export const workerSettingsShape = {
  compatibilityDate: compatibilityDateSchema().optional(),
  compatibilityFlags: compatibilityFlagsSchema.optional(),
  bindings: bindingsSchema.optional(),
  assetsBinding: assetsBindingSchema.optional(),
};

/** Cross-field rule of a worker's settings: the assets binding must not clash with another binding. */
export function checkWorkerSettings(
  worker: { bindings?: Array<{ name: string }>; assetsBinding?: string },
  ctx: z.RefinementCtx,
  path: (string | number)[] = [],
): void {
  if (worker.assetsBinding && worker.bindings?.some((b) => b.name === worker.assetsBinding)) {
    ctx.addIssue({ code: "custom", path: [...path, "assetsBinding"], message: `assetsBinding "${worker.assetsBinding}" clashes with a binding of the same name in bindings` });
  }
}

/** How a list of module names reads in a message: `"index.js", "lib/u.js"`, or `none`. */
function namesList(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(", ") || "none";
}

/**
 * The one rule for a worker's main module, and its one message, wherever a worker is taken: the program
 * (src/resource/prepare.ts), the provider's check (src/rules/user-worker-assets.ts) and the deploy library
 * (src/deploy/validate.ts). A worker needs a main module, and it must be one of the worker's modules (`moduleNames`;
 * undefined where the modules are not known yet). Undefined when the worker is fine.
 */
export function mainModuleProblem(worker: { mainModule?: string; assetsBinding?: string }, moduleNames?: readonly string[]): string | undefined {
  const { mainModule, assetsBinding } = worker;
  if (!mainModule) {
    return assetsBinding
      ? `worker.assetsBinding "${assetsBinding}" is set but worker.mainModule is not: an assets-only worker has no code to bind the assets to. Add worker.mainModule or remove the worker.`
      : "worker.mainModule is required when `worker` is given (the worker's ES module). Add it, or remove `worker` for an assets-only site.";
  }
  if (moduleNames === undefined || moduleNames.includes(mainModule)) return undefined;
  return (
    `worker.mainModule "${mainModule}" is not one of the worker's modules (${namesList(moduleNames)}); ` +
    `set it to one of their names, or add a module named "${mainModule}".`
  );
}

/** `mainModuleProblem` as a zod issue on `mainModule`, for the schemas that take a worker. */
export function checkMainModule(worker: { mainModule?: string; assetsBinding?: string }, moduleNames: readonly string[], ctx: z.RefinementCtx): void {
  const problem = mainModuleProblem(worker, moduleNames);
  if (problem !== undefined) ctx.addIssue({ code: "custom", path: ["mainModule"], message: problem });
}

/**
 * Module part content types Cloudflare's schema lists (docs/cloudflare-api.md §7.4, §15.3). `application/json` is not among them: a
 * `.json` module is sent as an ES module whose default export is the JSON (src/deploy/script-form.ts).
 */
export const MODULE_CONTENT_TYPES = [
  "application/javascript+module",
  "application/javascript",
  "application/wasm",
  "text/plain",
  "application/octet-stream",
  "text/x-python",
  "application/source-map",
] as const;

export const moduleContentTypeSchema = z.enum(MODULE_CONTENT_TYPES, {
  error: (issue) =>
    `module content type ${JSON.stringify(issue.input)} is not one Cloudflare accepts; use one of ${MODULE_CONTENT_TYPES.map((t) => `"${t}"`).join(", ")}` +
    (issue.input === "application/json" ? ' (a ".json" module without a content type is sent as an ES module exporting the JSON)' : ""),
});
