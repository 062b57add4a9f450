import type { ScriptRecord } from "../model/script-record.js";

/**
 * The JSON shapes the script routes answer with, each written against the official `cloudflare` SDK 7.3.0 type
 * named on it (generated from Cloudflare's OpenAPI spec; docs/cloudflare-api.md §15.3).
 * Optional fields the emulator has no value for are omitted, never sent empty: `placement: {}` is not a valid
 * value, and a client must not come to rely on a field Cloudflare may not send. test/contract/sdk-contract.test.ts
 * validates every answer against strict schemas of those types.
 */

type Json = Record<string, unknown>;

/** Usage models the SDK types allow. */
const USAGE_MODELS = new Set(["standard", "bundled", "unbound"]);

/**
 * SDK `workers.Script` — the `script` of the namespace GET, the items of the account list (`ScriptListResponse`,
 * whose only extra field, `routes`, is omitted), and the base of the PUT answer. No `startup_time_ms`,
 * `entry_point` or `deployment_id`: those are not in `Script`.
 */
export function scriptObject(record: ScriptRecord): Json {
  const hasModules = record.modules.length > 0;
  const out: Json = {
    id: record.name,
    etag: record.etag,
    handlers: hasModules ? ["fetch"] : [],
    named_handlers: [],
    created_on: record.createdOn,
    modified_on: record.modifiedOn,
    usage_model: usageModel(record),
    compatibility_flags: record.compatibilityFlags,
    has_assets: record.manifestRef !== undefined,
    has_modules: hasModules,
    tags: record.tags,
    last_deployed_from: record.lastDeployedFrom ?? "api",
    logpush: record.settings.logpush === true,
    tail_consumers: tailConsumers(record),
  };
  if (record.compatibilityDate !== undefined) out.compatibility_date = record.compatibilityDate;
  const observability = record.settings.observability;
  if (isObject(observability)) out.observability = observability;
  const placement = validPlacement(record.settings.placement);
  if (placement) out.placement = placement;
  return out;
}

export interface PutAnswerOptions {
  /** Answer only what the schema requires (`startup_time_ms`), as the emulator's `minimalPutAnswers` option asks. */
  minimal: boolean;
}

/**
 * SDK `ScriptUpdateResponse` (both PUT routes): `startup_time_ms` is the only required field. `entry_point` names
 * the main module. `deployment_id` is NOT in the SDK type but wrangler reads it from this answer to print
 * "Current Version ID" (DH`/deploy.ts`: `parseNonHyphenedUuid(result.deployment_id)`), which shows that Cloudflare
 * sends it; the emulator keeps it here and only here (documented deviation, src/emulator/README.md).
 */
export function putAnswer(record: ScriptRecord, options: PutAnswerOptions): Json {
  if (options.minimal) return { startup_time_ms: 0 };
  const out: Json = { ...scriptObject(record), startup_time_ms: 0, deployment_id: record.deploymentId };
  if (record.mainModule !== undefined) out.entry_point = record.mainModule;
  return out;
}

/** SDK `workersForPlatforms.dispatch.namespaces.scripts.Script` — the namespace script GET. */
export function namespaceScriptAnswer(record: ScriptRecord, namespace: string): Json {
  return { created_on: record.createdOn, modified_on: record.modifiedOn, dispatch_namespace: namespace, script: scriptObject(record) };
}

/**
 * An item of `GET …/dispatch/namespaces/{ns}/scripts` (not in the SDK). Cloudflare's docs show only `id`,
 * `created_on` and `modified_on` per item (docs/cloudflare-api.md §8, §15.1), so that is all the emulator answers: a client that
 * wants more must read the script itself, and one that relies on more fails here before it fails on Cloudflare.
 */
export function namespaceListItem(record: ScriptRecord): Json {
  return { id: record.name, created_on: record.createdOn, modified_on: record.modifiedOn };
}

/**
 * SDK `SettingGetResponse` (namespace `…/settings`) and `ScriptAndVersionSettingGetResponse` (account
 * `…/settings`): bindings, compatibility, tags and the echoed settings — never the asset config. Secret bindings
 * come back without their value, as the SDK's `WorkersBindingKindSecretText` response type has no `text`.
 */
export function settingsAnswer(record: ScriptRecord): Json {
  const out: Json = {
    bindings: record.bindings.map(redactBinding),
    compatibility_flags: record.compatibilityFlags,
    tags: record.tags,
    usage_model: usageModel(record),
    logpush: record.settings.logpush === true,
    tail_consumers: tailConsumers(record),
  };
  if (record.compatibilityDate !== undefined) out.compatibility_date = record.compatibilityDate;
  if (isObject(record.settings.limits)) out.limits = record.settings.limits;
  if (isObject(record.settings.observability)) out.observability = record.settings.observability;
  const placement = validPlacement(record.settings.placement);
  if (placement) out.placement = placement;
  return out;
}

/**
 * SDK `workers.beta.workers.Worker` — `GET /accounts/{a}/workers/workers/{worker}`, Cloudflare's newer Workers API.
 * Wrangler 4.16x reads `subdomain` from it after every account deploy (`getWorkerSubdomain`: `enabled`,
 * `previews_enabled`, and `url` / `preview_url_suffix` for the hosts it prints). The emulator's account owns the
 * workers.dev subdomain `subdomain` (what `GET …/workers/subdomain` answers) and keeps every Worker's workers.dev
 * route and previews on, as `GET …/scripts/{s}/subdomain` says; it has no custom domains, Durable Objects, queues or
 * service bindings, so `references` is empty. A Worker's id is its name, as in every other script answer.
 */
export function workerAnswer(record: ScriptRecord, subdomain: string): Json {
  const observability = record.settings.observability;
  return {
    id: record.name,
    name: record.name,
    created_on: record.createdOn,
    updated_on: record.modifiedOn,
    deployed_on: record.modifiedOn,
    logpush: record.settings.logpush === true,
    observability: isObject(observability) ? observability : { enabled: false },
    references: { dispatch_namespace_outbounds: [], domains: [], durable_objects: [], queues: [], workers: [] },
    subdomain: { enabled: true, previews_enabled: true, url: `https://${record.name}.${subdomain}.workers.dev`, preview_url_suffix: `-${record.name}.${subdomain}.workers.dev` },
    tags: record.tags,
    // The Workers API names a tail consumer by its Worker's name; the script settings call that `service`.
    tail_consumers: tailConsumers(record).flatMap((c) => (isObject(c) && typeof c.service === "string" ? [{ name: c.service }] : [])),
  };
}

/** SDK `workers.scripts.ScriptSetting` — `GET`/`PATCH …/scripts/{s}/script-settings`. */
export function scriptSettingAnswer(record: ScriptRecord): Json {
  const out: Json = { logpush: record.settings.logpush === true, tags: record.tags, tail_consumers: tailConsumers(record) };
  if (isObject(record.settings.observability)) out.observability = record.settings.observability;
  return out;
}

function usageModel(record: ScriptRecord): string {
  return USAGE_MODELS.has(record.usageModel) ? record.usageModel : "standard";
}

function tailConsumers(record: ScriptRecord): unknown[] {
  const value = record.settings.tail_consumers;
  return Array.isArray(value) ? value : [];
}

function redactBinding(binding: Record<string, unknown>): Record<string, unknown> {
  if (binding.type === "secret_text") {
    const { text: _text, ...rest } = binding;
    return rest;
  }
  if (binding.type === "secret_key") {
    const { key_base64: _key, ...rest } = binding;
    return rest;
  }
  return binding;
}

/** A placement is valid only with `mode`, `region`, `hostname`, `host` or `target` (docs/cloudflare-api.md §15.3); anything else is omitted. */
function validPlacement(value: unknown): Json | undefined {
  if (!isObject(value)) return undefined;
  return ["mode", "region", "hostname", "host", "target"].some((k) => value[k] !== undefined) ? value : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
