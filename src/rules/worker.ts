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
