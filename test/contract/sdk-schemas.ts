/**
 * Strict runtime schemas of the official `cloudflare` SDK 7.3.0 response types (generated from Cloudflare's
 * OpenAPI spec; docs/cloudflare-api.md §15.3), written by hand from the
 * SDK's .d.ts files. "Strict" both ways: an extra field fails (`.strict()`), and so does a missing required one.
 * Each schema covers the fields the emulator may send; fields it never sends (e.g. `exports`, `cache_options`) are
 * left out, so sending one fails too until it is modelled here.
 *
 * `conforms<Schema, SdkType>()` is checked by the compiler (`npm run typecheck`): the schema's inferred type must
 * be assignable to the SDK type and may name no field the SDK type lacks — so a schema can never be looser than,
 * or drift away from, the type it stands for.
 */
import type { ConsumerScript } from "cloudflare/resources/workers/scripts/tail";
import type {
  Script as WorkersScript,
  ScriptListResponse,
  ScriptSetting,
  ScriptUpdateResponse as WorkersScriptUpdateResponse,
} from "cloudflare/resources/workers/scripts/scripts";
import type { ScriptAndVersionSettingGetResponse } from "cloudflare/resources/workers/scripts/script-and-version-settings";
import type { UploadCreateResponse as SessionResponse } from "cloudflare/resources/workers/scripts/assets/upload";
import type { UploadCreateResponse as AssetUploadResponse } from "cloudflare/resources/workers/assets/upload";
import type { NamespaceCreateResponse, NamespaceGetResponse, NamespaceListResponse } from "cloudflare/resources/workers-for-platforms/dispatch/namespaces/namespaces";
import type { AssetUploadCreateResponse } from "cloudflare/resources/workers-for-platforms/dispatch/namespaces/scripts/asset-upload";
import type { Script as NamespaceScript, ScriptUpdateResponse as NamespaceScriptUpdateResponse } from "cloudflare/resources/workers-for-platforms/dispatch/namespaces/scripts/scripts";
import type { SettingGetResponse } from "cloudflare/resources/workers-for-platforms/dispatch/namespaces/scripts/settings";
import type { TagDeleteResponse, TagListResponse, TagUpdateResponse } from "cloudflare/resources/workers-for-platforms/dispatch/namespaces/scripts/tags";
import type { Worker } from "cloudflare/resources/workers/beta/workers/workers";
import { z } from "zod";

type Assignable<S, T> = [S] extends [T] ? true : false;
type NoExtraKeys<S, T> = [Exclude<keyof S, keyof T>] extends [never] ? true : false;
/** Compiles only when S fits T (assignable, and no key T does not have). */
export function conforms<S, T>(..._proof: [Assignable<S, T>, NoExtraKeys<S, T>] extends [true, true] ? [] : [never]): void {}

// ---- shared pieces ----------------------------------------------------------------------------------------------

const consumerScript = z.object({ service: z.string(), environment: z.string().optional(), namespace: z.string().optional() }).strict();
conforms<z.infer<typeof consumerScript>, ConsumerScript>();

const observability = z
  .object({
    enabled: z.boolean(),
    head_sampling_rate: z.number().nullable().optional(),
    issues: z.object({ enabled: z.boolean().optional() }).strict().nullable().optional(),
    logs: z
      .object({ enabled: z.boolean(), invocation_logs: z.boolean(), destinations: z.array(z.string()).optional(), head_sampling_rate: z.number().nullable().optional(), persist: z.boolean().optional() })
      .strict()
      .nullable()
      .optional(),
    redact_query_string: z.boolean().optional(),
    traces: z
      .object({
        destinations: z.array(z.string()).optional(),
        enabled: z.boolean().optional(),
        head_sampling_rate: z.number().nullable().optional(),
        persist: z.boolean().optional(),
        propagation_policy: z.enum(["authenticated", "accept"]).nullable().optional(),
      })
      .strict()
      .nullable()
      .optional(),
  })
  .strict();
conforms<z.infer<typeof observability>, NonNullable<WorkersScript["observability"]>>();
conforms<z.infer<typeof observability>, NonNullable<ScriptSetting["observability"]>>();

const placementStatus = { last_analyzed_at: z.string().optional(), status: z.enum(["SUCCESS", "UNSUPPORTED_APPLICATION", "INSUFFICIENT_INVOCATIONS"]).optional() };
/** `Script.placement`: every member has mode, region, hostname or host (an empty object is none of them). */
const placement = z.union([
  z.object({ mode: z.literal("smart"), ...placementStatus }).strict(),
  z.object({ region: z.string(), ...placementStatus }).strict(),
  z.object({ hostname: z.string(), ...placementStatus }).strict(),
  z.object({ host: z.string(), ...placementStatus }).strict(),
  z.object({ mode: z.literal("targeted"), region: z.string(), ...placementStatus }).strict(),
  z.object({ mode: z.literal("targeted"), hostname: z.string(), ...placementStatus }).strict(),
  z.object({ mode: z.literal("targeted"), host: z.string(), ...placementStatus }).strict(),
]);
conforms<z.infer<typeof placement>, NonNullable<WorkersScript["placement"]>>();

const usageModel = z.enum(["standard", "bundled", "unbound"]);

/** The fields of SDK `workers.Script` the emulator sends. */
const scriptFields = {
  id: z.string().optional(),
  compatibility_date: z.string().optional(),
  compatibility_flags: z.array(z.string()).optional(),
  created_on: z.string().optional(),
  etag: z.string().optional(),
  handlers: z.array(z.string()).optional(),
  has_assets: z.boolean().optional(),
  has_modules: z.boolean().optional(),
  last_deployed_from: z.string().optional(),
  logpush: z.boolean().optional(),
  migration_tag: z.string().optional(),
  modified_on: z.string().optional(),
  named_handlers: z.array(z.object({ handlers: z.array(z.string()).optional(), name: z.string().optional() }).strict()).optional(),
  observability: observability.optional(),
  placement: placement.optional(),
  tags: z.array(z.string()).nullable().optional(),
  tail_consumers: z.array(consumerScript).nullable().optional(),
  usage_model: usageModel.optional(),
};

// ---- namespaces ------------------------------------------------------------------------------------------------

export const namespaceSchema = z
  .object({
    created_by: z.string().optional(),
    created_on: z.string().optional(),
    modified_by: z.string().optional(),
    modified_on: z.string().optional(),
    namespace_id: z.string().optional(),
    namespace_name: z.string().optional(),
    script_count: z.number().optional(),
    trusted_workers: z.boolean().optional(),
  })
  .strict();
conforms<z.infer<typeof namespaceSchema>, NamespaceCreateResponse>();
conforms<z.infer<typeof namespaceSchema>, NamespaceGetResponse>();
conforms<z.infer<typeof namespaceSchema>, NamespaceListResponse>();

// ---- upload sessions and uploads -------------------------------------------------------------------------------

export const sessionSchema = z.object({ buckets: z.array(z.array(z.string())).optional(), jwt: z.string().optional() }).strict();
conforms<z.infer<typeof sessionSchema>, AssetUploadCreateResponse>();
conforms<z.infer<typeof sessionSchema>, SessionResponse>();

export const assetUploadSchema = z.object({ jwt: z.string().optional() }).strict();
conforms<z.infer<typeof assetUploadSchema>, AssetUploadResponse>();

// ---- scripts ---------------------------------------------------------------------------------------------------

/** SDK `workers.Script` (the `script` of the namespace GET). */
export const workersScriptSchema = z.object(scriptFields).strict();
conforms<z.infer<typeof workersScriptSchema>, WorkersScript>();

/** SDK `workersForPlatforms…scripts.Script` (the namespace script GET). */
export const namespaceScriptSchema = z
  .object({ created_on: z.string().optional(), dispatch_namespace: z.string().optional(), modified_on: z.string().optional(), script: workersScriptSchema.optional() })
  .strict();
conforms<z.infer<typeof namespaceScriptSchema>, NamespaceScript>();

/** SDK `ScriptListResponse` (the account list's items). */
export const scriptListItemSchema = z.object(scriptFields).strict();
conforms<z.infer<typeof scriptListItemSchema>, ScriptListResponse>();

/** SDK `ScriptUpdateResponse` (identical on both PUT routes): only `startup_time_ms` is required. */
const scriptUpdateFields = { ...scriptFields, startup_time_ms: z.number(), entry_point: z.string().optional() };
export const scriptUpdateSchema = z.object(scriptUpdateFields).strict();
conforms<z.infer<typeof scriptUpdateSchema>, WorkersScriptUpdateResponse>();
conforms<z.infer<typeof scriptUpdateSchema>, NamespaceScriptUpdateResponse>();

/**
 * The PUT answer the emulator actually sends: `ScriptUpdateResponse` plus exactly one field the generated type
 * lacks, `deployment_id`, which wrangler reads from this answer ("Current Version ID"; src/emulator/README.md,
 * "Deviations"). Nothing else may be added.
 */
export const putAnswerSchema = scriptUpdateSchema.extend({ deployment_id: z.string().optional() }).strict();

/**
 * An item of the namespace script list (`GET …/dispatch/namespaces/{ns}/scripts`, not in the SDK): Cloudflare's
 * docs show `id`, `created_on`, `modified_on` (docs/cloudflare-api.md §8, §15.1) — a subset of `workers.Script`.
 */
export const namespaceListItemSchema = z.object({ id: z.string(), created_on: z.string(), modified_on: z.string() }).strict();
conforms<z.infer<typeof namespaceListItemSchema>, WorkersScript>();
export const namespaceListEnvelopeSchema = z
  .object({
    success: z.literal(true),
    errors: z.array(z.never()),
    messages: z.array(z.unknown()),
    result: z.array(namespaceListItemSchema),
    result_info: z.object({ count: z.number().int(), cursor: z.string() }).strict(),
  })
  .strict();

// ---- settings --------------------------------------------------------------------------------------------------

/** The binding kinds the contract test deploys, as the settings answers type them (secret values are never sent back). */
const bindings = z.array(
  z.union([
    z.object({ name: z.string(), type: z.literal("assets") }).strict(),
    z.object({ name: z.string(), type: z.literal("plain_text"), text: z.string() }).strict(),
    z.object({ name: z.string(), type: z.literal("secret_text") }).strict(),
    z.object({ name: z.string(), type: z.literal("json"), json: z.unknown() }).strict(),
  ]),
);
const settingsFields = {
  bindings: bindings.optional(),
  compatibility_date: z.string().optional(),
  compatibility_flags: z.array(z.string()).optional(),
  limits: z.object({ cpu_ms: z.number().optional(), subrequests: z.number().optional() }).strict().optional(),
  logpush: z.boolean().optional(),
  observability: observability.optional(),
  placement: z
    .union([
      z.object({ mode: z.literal("smart") }).strict(),
      z.object({ region: z.string() }).strict(),
      z.object({ hostname: z.string() }).strict(),
      z.object({ host: z.string() }).strict(),
    ])
    .optional(),
  tags: z.array(z.string()).nullable().optional(),
  tail_consumers: z.array(consumerScript).nullable().optional(),
  usage_model: usageModel.optional(),
};
/** SDK `SettingGetResponse` (namespace `…/settings`). */
export const namespaceSettingsSchema = z.object(settingsFields).strict();
conforms<z.infer<typeof namespaceSettingsSchema>, SettingGetResponse>();
/** SDK `ScriptAndVersionSettingGetResponse` (account `…/settings`). */
export const accountSettingsSchema = z.object(settingsFields).strict();
conforms<z.infer<typeof accountSettingsSchema>, ScriptAndVersionSettingGetResponse>();

/** SDK `ScriptSetting` (`…/script-settings`). */
export const scriptSettingSchema = z
  .object({ logpush: z.boolean().optional(), observability: observability.nullable().optional(), tags: z.array(z.string()).nullable().optional(), tail_consumers: z.array(consumerScript).nullable().optional() })
  .strict();
conforms<z.infer<typeof scriptSettingSchema>, ScriptSetting>();

// ---- namespace script tags -------------------------------------------------------------------------------------

/** SDK `TagListResponse` / `TagUpdateResponse`: the items of `…/scripts/{s}/tags` (GET, PUT), one tag each. */
export const tagSchema = z.string();
conforms<z.infer<typeof tagSchema>, TagListResponse>();
conforms<z.infer<typeof tagSchema>, TagUpdateResponse>();

/** SDK `TagDeleteResponse | null` (`DELETE …/tags/{tag}`): the emulator answers `null`, as the script DELETE does. */
export const tagDeleteSchema = z.null();
conforms<z.infer<typeof tagDeleteSchema>, TagDeleteResponse | null>();

/**
 * Routes Cloudflare documents (its tags page; docs/cloudflare-api.md §16.1) but SDK 7.3.0 has no method for —
 * `PUT …/scripts/{s}/tags/{tag}` and `DELETE …/scripts?tags=` — read through the SDK's generic calls as a whole
 * envelope. Their `result` is `null`, like their siblings' in the SDK (`tags.delete`, `scripts.delete`).
 */
export const nullResultEnvelopeSchema = z
  .object({ success: z.literal(true), errors: z.array(z.never()), messages: z.array(z.unknown()), result: z.null() })
  .strict();

// ---- the newer Workers API ------------------------------------------------------------------------------------

/** SDK `workers.beta.workers.Worker` (`GET /accounts/{a}/workers/workers/{worker}`, which wrangler reads after a deploy). */
export const workerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    created_on: z.string(),
    updated_on: z.string(),
    deployed_on: z.string().nullable().optional(),
    logpush: z.boolean(),
    observability: z
      .object({
        enabled: z.boolean().optional(),
        head_sampling_rate: z.number().optional(),
        issues: z.object({ enabled: z.boolean().optional() }).strict().nullable().optional(),
        logs: z
          .object({ destinations: z.array(z.string()).optional(), enabled: z.boolean().optional(), head_sampling_rate: z.number().optional(), invocation_logs: z.boolean().optional(), persist: z.boolean().optional() })
          .strict()
          .optional(),
        redact_query_string: z.boolean().optional(),
        traces: z
          .object({
            destinations: z.array(z.string()).optional(),
            enabled: z.boolean().optional(),
            head_sampling_rate: z.number().optional(),
            persist: z.boolean().optional(),
            propagation_policy: z.enum(["authenticated", "accept"]).nullable().optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
    references: z
      .object({
        dispatch_namespace_outbounds: z.array(z.never()),
        domains: z.array(z.never()),
        durable_objects: z.array(z.never()),
        queues: z.array(z.never()),
        workers: z.array(z.never()),
      })
      .strict(),
    subdomain: z.object({ enabled: z.boolean().optional(), previews_enabled: z.boolean().optional(), url: z.string().optional(), preview_url_suffix: z.string().optional() }).strict(),
    tags: z.array(z.string()),
    tail_consumers: z.array(z.object({ name: z.string() }).strict()),
  })
  .strict();
conforms<z.infer<typeof workerSchema>, Worker>();

/** Parses `value` with `schema`, failing with every issue and the value itself (so a failing answer is readable). */
export function expectConforms<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new Error(`${what} does not match the SDK type:\n${parsed.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n")}\n${JSON.stringify(value, null, 2)}`);
  }
  return parsed.data;
}
