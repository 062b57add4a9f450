import { z } from "zod";
import {
  assetConfigSchema,
  checkMainModule,
  checkNeedsWorker,
  checkWorkerSettings,
  compatibilityDateSchema,
  compatibilityFlagsSchema,
  describeIssues,
  hashSaltSchema,
  keepBindingsSchema,
  moduleContentTypeSchema,
  scriptTagsSchema,
  targetShape,
  workerSettingsShape,
} from "../rules/index.js";
import { DeployError } from "./errors.js";
import { isJsonModule } from "./script-form.js";
import type { DeployRequest } from "./types.js";

export class InvalidDeployRequestError extends DeployError {
  /** One "setting: problem" line per problem. */
  readonly problems: string[];
  constructor(step: "session", message: string, status: undefined, options: { problems: string[] }) {
    super(step, message, status);
    this.problems = options.problems;
  }
}

/**
 * The request's settings under the same rules the resource, tenant.json and the CLI use (src/rules), plus what only a
 * built request can break (the main module among the modules). `tags` is the full list sent, owner marker included.
 */
const deployRequestSchema = z
  .object({
    target: z.object(targetShape),
    assetConfig: assetConfigSchema.optional(),
    compatibilityDate: compatibilityDateSchema().optional(),
    compatibilityFlags: compatibilityFlagsSchema.optional(),
    tags: scriptTagsSchema.optional(),
    keepBindings: keepBindingsSchema.optional(),
    hashSalt: hashSaltSchema.optional(),
    worker: z
      .object({
        mainModule: z.string(),
        moduleNames: z.array(z.string()),
        modules: z.array(z.object({ name: z.string(), contentType: moduleContentTypeSchema.optional(), json: z.string().optional() })),
        ...workerSettingsShape,
      })
      .superRefine((worker, ctx) => {
        checkWorkerSettings(worker, ctx);
        for (const [i, module] of worker.modules.entries()) {
          if (module.json === undefined) continue;
          try {
            JSON.parse(module.json);
          } catch (error) {
            ctx.addIssue({ code: "custom", path: ["modules", i], message: `"${module.name}" is not valid JSON (${(error as Error).message}); a .json module must hold JSON` });
          }
        }
        checkMainModule(worker, worker.moduleNames, ctx);
      })
      .optional(),
  })
  .superRefine((request, ctx) => checkNeedsWorker(request, request.worker !== undefined, ctx));

/**
 * Everything Cloudflare would refuse only after the upload, checked up front so a bad request costs no network call.
 * Throws an InvalidDeployRequestError listing every problem, each named by its setting.
 */
export function validateDeployRequest(request: Omit<DeployRequest, "assets">): void {
  const { worker } = request;
  const parsed = deployRequestSchema.safeParse({
    target: request.target,
    assetConfig: request.assetConfig,
    compatibilityDate: request.compatibilityDate,
    compatibilityFlags: request.compatibilityFlags,
    tags: request.tags,
    keepBindings: request.keepBindings,
    hashSalt: request.hashSalt,
    worker: worker && {
      mainModule: worker.mainModule,
      moduleNames: worker.modules.map((m) => m.name),
      modules: worker.modules.map((m) => ({
        name: m.name,
        contentType: m.contentType,
        json: isJsonModule(m) ? (typeof m.content === "string" ? m.content : Buffer.from(m.content).toString("utf8")) : undefined,
      })),
      compatibilityDate: worker.compatibilityDate,
      compatibilityFlags: worker.compatibilityFlags,
      bindings: worker.bindings,
      assetsBinding: worker.assetsBinding,
    },
  });
  if (parsed.success) return;
  const problems = describeIssues(parsed.error.issues, "(request)").map((line) => line.replace(/^target\./, ""));
  throw new InvalidDeployRequestError("session", `The deploy request is invalid; nothing was sent:\n  ${problems.join("\n  ")}`, undefined, { problems });
}
