import { randomUUID } from "node:crypto";
import { readJsonBody } from "../protocol/body.js";
import { type Reply, type RequestContext, type RouteDef, ok } from "../protocol/context.js";
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
    { method: "GET", pattern: "/accounts/:account/workers/services/:script", id: RouteId.getService, auth: "api", handler: (ctx) => getService(core, ctx) },
    { method: "GET", pattern: `${script}/deployments`, id: RouteId.listDeployments, auth: "api", handler: (ctx) => listDeployments(core, ctx) },
    { method: "POST", pattern: `${script}/deployments`, id: RouteId.createDeployment, auth: "api", handler: (ctx) => createDeployment(core, ctx) },
    { method: "POST", pattern: `${script}/versions`, id: RouteId.createVersion, auth: "api", handler: (ctx) => createVersion(core, ctx) },
    { method: "GET", pattern: `${script}/secrets`, id: RouteId.listSecrets, auth: "api", handler: (ctx) => listSecrets(core, ctx) },
    // SDK `workers.scripts.settings.get` → `ScriptSetting` (logpush, observability, tags, tail_consumers).
    { method: "GET", pattern: `${script}/script-settings`, id: RouteId.getScriptSettings, auth: "api", handler: (ctx) => getScriptSettings(core, ctx) },
    { method: "PATCH", pattern: `${script}/script-settings`, id: RouteId.patchScriptSettings, auth: "api", handler: (ctx) => patchScriptSettings(core, ctx) },
    { method: "GET", pattern: "/accounts/:account/workers/subdomain", id: RouteId.getSubdomain, auth: "api", handler: async () => ok({ subdomain: WORKERS_DEV_SUBDOMAIN }) },
    // `{worker}` is an id or a name on Cloudflare; here a Worker's id is its name. A missing Worker is 404 10007,
    // the code on which wrangler's first deploy falls back to `GET …/scripts/{s}/subdomain`.
    { method: "GET", pattern: "/accounts/:account/workers/workers/:script", id: RouteId.getWorker, auth: "api", handler: (ctx) => getWorker(core, ctx) },
    { method: "GET", pattern: `${script}/subdomain`, id: RouteId.getScriptSubdomain, auth: "api", handler: (ctx) => getScriptSubdomain(core, ctx) },
    { method: "POST", pattern: `${script}/subdomain`, id: RouteId.postScriptSubdomain, auth: "api", handler: (ctx) => postScriptSubdomain(core, ctx) },
  ];
}

/** A service lookup: 404 10090 for a Worker not deployed yet, which is how wrangler learns that a deploy is its first. */
async function getService(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  const record = accountScript(core, ctx);
  if (!record) throw new ApiError(404, ErrorCode.serviceNotFound, `Worker "${ctx.params.script}" not found (no such service).`);
  return ok({
    id: record.name,
    default_environment: { environment: "production", created_on: record.createdOn, modified_on: record.modifiedOn, script: scriptObject(record) },
    created_on: record.createdOn,
    modified_on: record.modifiedOn,
  });
}

async function listDeployments(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  return ok({ deployments: [deploymentOf(findScript(core, ctx))] });
}

/** A version goes live when it is uploaded, so a deployment only checks its body's shape and answers the live one. */
async function createDeployment(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  const record = findScript(core, ctx);
  const body = (await readJsonBody(ctx.req, 1024 * 1024)) as { versions?: unknown } | null;
  if (!Array.isArray(body?.versions)) throw badRequest('Body must be {"strategy": "percentage", "versions": [{"version_id", "percentage"}]}.');
  return ok({ ...deploymentOf(record), id: randomUUID() });
}

/** Uploading a version is uploading the script (it goes live at once); the answer is the version it became. */
async function createVersion(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  const record = await putScript(core, ctx);
  return ok(versionOf(record));
}

async function listSecrets(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  findScript(core, ctx);
  return ok([]);
}

async function getScriptSettings(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  return ok(scriptSettingAnswer(findScript(core, ctx)));
}

/**
 * Applies a settings patch: `null` removes a setting, an absent key leaves it. The tags are taken before the other
 * keys are checked, as they always were here, so a patch with good tags and a bad setting still sets the tags.
 */
async function patchScriptSettings(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  const record = findScript(core, ctx);
  const patch = settingsPatchOf(await readJsonBody(ctx.req, 1024 * 1024));
  if (patch.tags !== undefined) record.tags = tagsOf(patch.tags);
  checkSettingsPatch(patch);
  applySettingsPatch(record.settings, patch);
  await core.persist(record);
  return ok(scriptSettingAnswer(record));
}

async function getWorker(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  return ok(workerAnswer(findScript(core, ctx), WORKERS_DEV_SUBDOMAIN));
}

async function getScriptSubdomain(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  findScript(core, ctx);
  return ok({ enabled: true, previews_enabled: true });
}

async function postScriptSubdomain(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  findScript(core, ctx);
  const body = (await readJsonBody(ctx.req, 64 * 1024)) as { enabled?: unknown; previews_enabled?: unknown } | null;
  return ok({ enabled: body?.enabled !== false, previews_enabled: body?.previews_enabled !== false });
}

function settingsPatchOf(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("Body must be a JSON object of settings.");
  return body as Record<string, unknown>;
}

function tagsOf(tags: unknown): string[] {
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === "string")) throw badRequest("tags must be an array of strings.");
  return tags as string[];
}

/** Refuses a patch whose logpush, observability or tail_consumers has the wrong shape (`null` is allowed: it removes). */
function checkSettingsPatch(patch: Record<string, unknown>): void {
  if (patch.logpush !== undefined && typeof patch.logpush !== "boolean") throw badRequest("logpush must be a boolean.");
  if (patch.observability !== undefined && patch.observability !== null && (typeof patch.observability !== "object" || typeof (patch.observability as { enabled?: unknown }).enabled !== "boolean")) {
    throw badRequest('observability must be an object with a boolean "enabled".');
  }
  if (patch.tail_consumers !== undefined && patch.tail_consumers !== null && !Array.isArray(patch.tail_consumers)) throw badRequest("tail_consumers must be an array.");
}

function applySettingsPatch(settings: ScriptRecord["settings"], patch: Record<string, unknown>): void {
  for (const key of ["observability", "logpush", "tail_consumers"] as const) {
    if (patch[key] === null) delete settings[key];
    else if (patch[key] !== undefined) settings[key] = patch[key];
  }
}

function versionOf(record: ScriptRecord): Record<string, unknown> {
  return {
    id: record.deploymentId,
    number: record.puts,
    metadata: { source: "api", created_on: record.modifiedOn, modified_on: record.modifiedOn, has_preview: false },
    resources: {
      bindings: record.bindings,
      script: { etag: record.etag, handlers: scriptObject(record).handlers, last_deployed_from: record.lastDeployedFrom ?? "api" },
      script_runtime: { compatibility_date: record.compatibilityDate ?? "", compatibility_flags: record.compatibilityFlags, usage_model: record.usageModel },
    },
    startup_time_ms: 0,
  };
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

