import { randomUUID } from "node:crypto";
import { readJsonBody } from "../protocol/body.js";
import { type RequestContext, type RouteDef, ok } from "../protocol/context.js";
import type { EmulatorCore } from "../core.js";
import { ApiError, ErrorCode, badRequest } from "../protocol/envelope.js";
import { RouteId } from "../protocol/route-ids.js";
import { scriptObject, scriptSettingAnswer, workerAnswer } from "../model/script-answers.js";
import type { ScriptRecord } from "../model/script-record.js";
import { findScript, putScript } from "./scripts.js";
import { scriptNameOf } from "./targets.js";

/** The workers.dev subdomain the emulator's accounts own (`GET …/workers/subdomain`). */
const WORKERS_DEV_SUBDOMAIN = "emulator";

/**
 * The account-level calls `wrangler deploy` makes around the upload (docs/cloudflare-api.md §9.3), answered cheaply: service and
 * deployment lookups (404 10090 / 10007 for a new Worker), versions + deployments (a version goes live at once),
 * script-settings, secrets, the workers.dev subdomain calls, and the Worker read of the newer Workers API
 * (`…/workers/workers/{worker}`, which wrangler ≥ 4.16x reads for the subdomain after the upload). Enough for
 * wrangler to finish a deploy.
 */
export function wranglerRoutes(core: EmulatorCore): RouteDef[] {
  const script = "/accounts/:account/workers/scripts/:script";
  return [
    {
      method: "GET",
      pattern: "/accounts/:account/workers/services/:script",
      id: RouteId.getService,
      auth: "api",
      handler: async (ctx) => {
        const record = accountScript(core, ctx);
        if (!record) throw new ApiError(404, ErrorCode.serviceNotFound, `Worker "${ctx.params.script}" not found (no such service).`);
        return ok({
          id: record.name,
          default_environment: { environment: "production", created_on: record.createdOn, modified_on: record.modifiedOn, script: scriptObject(record) },
          created_on: record.createdOn,
          modified_on: record.modifiedOn,
        });
      },
    },
    {
      method: "GET",
      pattern: `${script}/deployments`,
      id: RouteId.listDeployments,
      auth: "api",
      handler: async (ctx) => ok({ deployments: [deploymentOf(findScript(core, ctx))] }),
    },
    {
      method: "POST",
      pattern: `${script}/deployments`,
      id: RouteId.createDeployment,
      auth: "api",
      handler: async (ctx) => {
        const record = findScript(core, ctx);
        const body = (await readJsonBody(ctx.req, 1024 * 1024)) as { versions?: unknown } | null;
        if (!Array.isArray(body?.versions)) throw badRequest('Body must be {"strategy": "percentage", "versions": [{"version_id", "percentage"}]}.');
        return ok({ ...deploymentOf(record), id: randomUUID() });
      },
    },
    {
      method: "POST",
      pattern: `${script}/versions`,
      id: RouteId.createVersion,
      auth: "api",
      handler: async (ctx) => {
        const record = await putScript(core, ctx);
        return ok({
          id: record.deploymentId,
          number: record.puts,
          metadata: { source: "api", created_on: record.modifiedOn, modified_on: record.modifiedOn, has_preview: false },
          resources: {
            bindings: record.bindings,
            script: { etag: record.etag, handlers: scriptObject(record).handlers, last_deployed_from: record.lastDeployedFrom ?? "api" },
            script_runtime: { compatibility_date: record.compatibilityDate ?? "", compatibility_flags: record.compatibilityFlags, usage_model: record.usageModel },
          },
          startup_time_ms: 0,
        });
      },
    },
    {
      method: "GET",
      pattern: `${script}/secrets`,
      id: RouteId.listSecrets,
      auth: "api",
      handler: async (ctx) => {
        findScript(core, ctx);
        return ok([]);
      },
    },
    {
      method: "GET",
      pattern: `${script}/script-settings`,
      id: RouteId.getScriptSettings,
      auth: "api",
      // SDK `workers.scripts.settings.get` → `ScriptSetting` (logpush, observability, tags, tail_consumers).
      handler: async (ctx) => ok(scriptSettingAnswer(findScript(core, ctx))),
    },
    {
      method: "PATCH",
      pattern: `${script}/script-settings`,
      id: RouteId.patchScriptSettings,
      auth: "api",
      handler: async (ctx) => {
        const record = findScript(core, ctx);
        const body = await readJsonBody(ctx.req, 1024 * 1024);
        if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("Body must be a JSON object of settings.");
        const patch = body as Record<string, unknown>;
        if (patch.tags !== undefined) {
          if (!Array.isArray(patch.tags) || !patch.tags.every((t) => typeof t === "string")) throw badRequest("tags must be an array of strings.");
          record.tags = patch.tags as string[];
        }
        if (patch.logpush !== undefined && typeof patch.logpush !== "boolean") throw badRequest("logpush must be a boolean.");
        if (patch.observability !== undefined && patch.observability !== null && (typeof patch.observability !== "object" || typeof (patch.observability as { enabled?: unknown }).enabled !== "boolean")) {
          throw badRequest('observability must be an object with a boolean "enabled".');
        }
        if (patch.tail_consumers !== undefined && patch.tail_consumers !== null && !Array.isArray(patch.tail_consumers)) throw badRequest("tail_consumers must be an array.");
        for (const key of ["observability", "logpush", "tail_consumers"] as const) {
          if (patch[key] === null) delete record.settings[key];
          else if (patch[key] !== undefined) record.settings[key] = patch[key];
        }
        await core.persist();
        return ok(scriptSettingAnswer(record));
      },
    },
    {
      method: "GET",
      pattern: "/accounts/:account/workers/subdomain",
      id: RouteId.getSubdomain,
      auth: "api",
      handler: async () => ok({ subdomain: WORKERS_DEV_SUBDOMAIN }),
    },
    {
      method: "GET",
      // `{worker}` is an id or a name on Cloudflare; here a Worker's id is its name. A missing Worker is 404 10007,
      // the code on which wrangler's first deploy falls back to `GET …/scripts/{s}/subdomain`.
      pattern: "/accounts/:account/workers/workers/:script",
      id: RouteId.getWorker,
      auth: "api",
      handler: async (ctx) => ok(workerAnswer(findScript(core, ctx), WORKERS_DEV_SUBDOMAIN)),
    },
    {
      method: "GET",
      pattern: `${script}/subdomain`,
      id: RouteId.getScriptSubdomain,
      auth: "api",
      handler: async (ctx) => {
        findScript(core, ctx);
        return ok({ enabled: true, previews_enabled: true });
      },
    },
    {
      method: "POST",
      pattern: `${script}/subdomain`,
      id: RouteId.postScriptSubdomain,
      auth: "api",
      handler: async (ctx) => {
        findScript(core, ctx);
        const body = (await readJsonBody(ctx.req, 64 * 1024)) as { enabled?: unknown; previews_enabled?: unknown } | null;
        return ok({ enabled: body?.enabled !== false, previews_enabled: body?.previews_enabled !== false });
      },
    },
  ];
}

function accountScript(core: EmulatorCore, ctx: RequestContext): ScriptRecord | undefined {
  return core.state.accounts.get(ctx.account)?.scripts.get(scriptNameOf(ctx));
}

function deploymentOf(record: ScriptRecord): Record<string, unknown> {
  return {
    id: record.deploymentId,
    source: "api",
    strategy: "percentage",
    author_email: "emulator@localhost",
    created_on: record.modifiedOn,
    annotations: {},
    versions: [{ version_id: record.deploymentId, percentage: 100 }],
  };
}

