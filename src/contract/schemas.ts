/**
 * What Cloudflare documents each answer of the contract suite to be, as strict zod schemas: an undocumented field
 * fails (`.strict()`), and so does a missing required one or a wrong type. The reference is the official
 * `cloudflare` SDK's types (generated from Cloudflare's OpenAPI spec); `conforms<Schema, SdkType>()` below is checked
 * by the compiler, so a schema can never be looser than, or drift from, the type it stands for. These ship with the
 * package so an installed `wfp-assets contract` can judge a real account; the SDK-driven emulator tests
 * (test/contract/sdk-schemas.ts) narrow them to the fields the emulator sends.
 *
 * Only type imports from the SDK: nothing of it is loaded at run time.
 */
import type { ResponseInfo } from "cloudflare/resources/shared";
import type { ConsumerScript } from "cloudflare/resources/workers/scripts/tail";
import type { Script as WorkersScript, ScriptUpdateResponse } from "cloudflare/resources/workers/scripts/scripts";
import type { UploadCreateResponse as AssetUploadResponse } from "cloudflare/resources/workers/assets/upload";
import type { NamespaceCreateResponse, NamespaceGetResponse } from "cloudflare/resources/workers-for-platforms/dispatch/namespaces/namespaces";
import type { AssetUploadCreateResponse } from "cloudflare/resources/workers-for-platforms/dispatch/namespaces/scripts/asset-upload";
import type { Script as NamespaceScript } from "cloudflare/resources/workers-for-platforms/dispatch/namespaces/scripts/scripts";
import type { SettingGetResponse } from "cloudflare/resources/workers-for-platforms/dispatch/namespaces/scripts/settings";
import type { TagListResponse } from "cloudflare/resources/workers-for-platforms/dispatch/namespaces/scripts/tags";
import { z } from "zod";

type Assignable<S, T> = [S] extends [T] ? true : false;
type NoExtraKeys<S, T> = [Exclude<keyof S, keyof T>] extends [never] ? true : false;
/** Compiles only when S fits T (assignable, and no key T does not have). */
export function conforms<S, T>(..._proof: [Assignable<S, T>, NoExtraKeys<S, T>] extends [true, true] ? [] : [never]): void {}

// ---- the envelope --------------------------------------------------------------------------------------------------

/** SDK `shared.ResponseInfo`: the items of `errors` and `messages`. */
export const responseInfoSchema = z
  .object({ code: z.number().int(), message: z.string(), documentation_url: z.string().optional(), source: z.object({ pointer: z.string().optional() }).strict().optional() })
  .strict();
conforms<z.infer<typeof responseInfoSchema>, ResponseInfo>();

/**
 * A successful envelope around `result` (`success: true`, no errors). `result_info` is part of Cloudflare's envelope
 * on listing routes; its fields differ per route, so routes that define it pass their own (`info`).
 */
export function successEnvelope<T extends z.ZodType>(result: T, info?: z.ZodType) {
  return z
    .object({
      success: z.literal(true),
      errors: z.array(responseInfoSchema).length(0),
      messages: z.array(responseInfoSchema),
      result,
      ...(info ? { result_info: info } : {}),
    })
    .strict();
}

/** A failed envelope: `success: false`, at least one error, `result: null`. */
export const errorEnvelopeSchema = z
  .object({ success: z.literal(false), errors: z.array(responseInfoSchema).min(1), messages: z.array(responseInfoSchema), result: z.null() })
  .strict();

// ---- namespaces ----------------------------------------------------------------------------------------------------

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

// ---- upload session and uploads ------------------------------------------------------------------------------------

export const sessionSchema = z.object({ buckets: z.array(z.array(z.string())).optional(), jwt: z.string().optional() }).strict();
conforms<z.infer<typeof sessionSchema>, AssetUploadCreateResponse>();

export const assetUploadSchema = z.object({ jwt: z.string().optional() }).strict();
conforms<z.infer<typeof assetUploadSchema>, AssetUploadResponse>();

// ---- scripts -------------------------------------------------------------------------------------------------------

export const consumerScriptSchema = z.object({ service: z.string(), environment: z.string().optional(), namespace: z.string().optional() }).strict();
conforms<z.infer<typeof consumerScriptSchema>, ConsumerScript>();

const headSampling = z.number().nullable().optional();
export const observabilitySchema = z
  .object({
    enabled: z.boolean(),
    head_sampling_rate: headSampling,
    issues: z.object({ enabled: z.boolean().optional() }).strict().nullable().optional(),
    logs: z
      .object({ enabled: z.boolean(), invocation_logs: z.boolean(), destinations: z.array(z.string()).optional(), head_sampling_rate: headSampling, persist: z.boolean().optional() })
      .strict()
      .nullable()
      .optional(),
    redact_query_string: z.boolean().optional(),
    traces: z
      .object({
        destinations: z.array(z.string()).optional(),
        enabled: z.boolean().optional(),
        head_sampling_rate: headSampling,
        persist: z.boolean().optional(),
        propagation_policy: z.enum(["authenticated", "accept"]).nullable().optional(),
      })
      .strict()
      .nullable()
      .optional(),
  })
  .strict();
conforms<z.infer<typeof observabilitySchema>, NonNullable<WorkersScript["observability"]>>();
conforms<z.infer<typeof observabilitySchema>, NonNullable<SettingGetResponse["observability"]>>();

const placementStatus = z.enum(["SUCCESS", "UNSUPPORTED_APPLICATION", "INSUFFICIENT_INVOCATIONS"]);
const analysed = { last_analyzed_at: z.string().optional(), status: placementStatus.optional() };
const placementTarget = z.union([z.object({ region: z.string() }).strict(), z.object({ hostname: z.string() }).strict(), z.object({ host: z.string() }).strict()]);
/** `Script.placement`: every member has mode, region, hostname or host (an empty object is none of them). */
const placement = z.union([
  z.object({ mode: z.literal("smart"), ...analysed }).strict(),
  z.object({ region: z.string(), ...analysed }).strict(),
  z.object({ hostname: z.string(), ...analysed }).strict(),
  z.object({ host: z.string(), ...analysed }).strict(),
  z.object({ mode: z.literal("targeted"), region: z.string(), ...analysed }).strict(),
  z.object({ mode: z.literal("targeted"), hostname: z.string(), ...analysed }).strict(),
  z.object({ mode: z.literal("targeted"), host: z.string(), ...analysed }).strict(),
  z.object({ mode: z.literal("targeted"), target: z.array(placementTarget), ...analysed }).strict(),
]);
conforms<z.infer<typeof placement>, NonNullable<WorkersScript["placement"]>>();

const cacheOptions = z.object({ enabled: z.boolean(), cross_version_cache: z.boolean().optional() }).strict();
const storage = z.enum(["sqlite", "legacy-kv"]);
const scriptExport = z.union([
  z.object({ type: z.literal("worker"), cache: z.object({ enabled: z.boolean() }).strict().optional(), state: z.literal("created").optional() }).strict(),
  z.object({ type: z.literal("durable-object"), storage, container: z.string().optional(), state: z.literal("created").optional() }).strict(),
  z.object({ type: z.literal("durable-object"), state: z.enum(["deleted", "renamed", "transferred"]) }).strict(),
  z.object({ type: z.literal("durable-object"), state: z.literal("expecting-transfer"), storage, transfer_from: z.string(), container: z.string().optional() }).strict(),
]);
conforms<z.infer<typeof scriptExport>, NonNullable<WorkersScript["exports"]>[string]>();

/** Every field of SDK `workers.Script`. */
const scriptFields = {
  id: z.string().optional(),
  cache_options: cacheOptions.optional(),
  compatibility_date: z.string().optional(),
  compatibility_flags: z.array(z.string()).optional(),
  created_on: z.string().optional(),
  etag: z.string().optional(),
  exports: z.record(z.string(), scriptExport).optional(),
  handlers: z.array(z.string()).optional(),
  has_assets: z.boolean().optional(),
  has_modules: z.boolean().optional(),
  last_deployed_from: z.string().optional(),
  logpush: z.boolean().optional(),
  migration_tag: z.string().optional(),
  modified_on: z.string().optional(),
  named_handlers: z.array(z.object({ handlers: z.array(z.string()).optional(), name: z.string().optional() }).strict()).optional(),
  observability: observabilitySchema.optional(),
  placement: placement.optional(),
  placement_mode: z.enum(["smart", "targeted"]).optional(),
  placement_status: placementStatus.optional(),
  tag: z.string().optional(),
  tags: z.array(z.string()).nullable().optional(),
  tail_consumers: z.array(consumerScriptSchema).nullable().optional(),
  usage_model: z.enum(["standard", "bundled", "unbound"]).optional(),
};

export const workersScriptSchema = z.object(scriptFields).strict();
conforms<z.infer<typeof workersScriptSchema>, WorkersScript>();

/** SDK `ScriptUpdateResponse` (both PUT routes): only `startup_time_ms` is required. */
export const scriptUpdateSchema = z.object({ ...scriptFields, startup_time_ms: z.number(), entry_point: z.string().optional() }).strict();
conforms<z.infer<typeof scriptUpdateSchema>, ScriptUpdateResponse>();

/**
 * The script PUT answer: `ScriptUpdateResponse` plus `deployment_id`, the one field the generated type lacks that
 * Cloudflare sends (wrangler prints it as "Current Version ID"; src/emulator/README.md, "Deviations").
 */
export const putAnswerSchema = scriptUpdateSchema.extend({ deployment_id: z.string().optional() }).strict();

/** SDK `workersForPlatforms…scripts.Script` (the namespace script GET). */
export const namespaceScriptSchema = z
  .object({ created_on: z.string().optional(), dispatch_namespace: z.string().optional(), modified_on: z.string().optional(), script: workersScriptSchema.optional() })
  .strict();
conforms<z.infer<typeof namespaceScriptSchema>, NamespaceScript>();

/** The binding kinds this package deploys, as the settings answer types them (secret values are never sent back). */
const bindings = z.array(
  z.union([
    z.object({ name: z.string(), type: z.literal("assets") }).strict(),
    z.object({ name: z.string(), type: z.literal("plain_text"), text: z.string() }).strict(),
    z.object({ name: z.string(), type: z.literal("secret_text") }).strict(),
    z.object({ name: z.string(), type: z.literal("json"), json: z.unknown() }).strict(),
  ]),
);

/** SDK `SettingGetResponse` (namespace `…/settings`), with every documented field. */
export const namespaceSettingsSchema = z
  .object({
    bindings: bindings.optional(),
    cache_options: cacheOptions.optional(),
    compatibility_date: z.string().optional(),
    compatibility_flags: z.array(z.string()).optional(),
    // Reconciliation of Durable Object exports: this suite's scripts have none, so only its shape is checked.
    exports_reconciliation: z
      .object({
        created: z.array(z.string()),
        deleted: z.array(z.string()),
        info: z.array(z.any()),
        removable_entries: z.array(z.string()),
        renamed: z.array(z.any()),
        transfer_pending: z.array(z.any()),
        transferred: z.array(z.any()),
        updated: z.array(z.string()),
        warnings: z.array(z.any()),
      })
      .strict()
      .optional(),
    limits: z.object({ cpu_ms: z.number().optional(), subrequests: z.number().optional() }).strict().optional(),
    logpush: z.boolean().optional(),
    observability: observabilitySchema.optional(),
    placement: z
      .union([
        z.object({ mode: z.literal("smart") }).strict(),
        z.object({ region: z.string() }).strict(),
        z.object({ hostname: z.string() }).strict(),
        z.object({ host: z.string() }).strict(),
        z.object({ mode: z.literal("targeted"), region: z.string() }).strict(),
        z.object({ mode: z.literal("targeted"), hostname: z.string() }).strict(),
        z.object({ mode: z.literal("targeted"), host: z.string() }).strict(),
        z.object({ mode: z.literal("targeted"), target: z.array(placementTarget) }).strict(),
      ])
      .optional(),
    tags: z.array(z.string()).nullable().optional(),
    tail_consumers: z.array(consumerScriptSchema).nullable().optional(),
    usage_model: z.enum(["standard", "bundled", "unbound"]).optional(),
  })
  .strict();
conforms<z.infer<typeof namespaceSettingsSchema>, SettingGetResponse>();

/** SDK `TagListResponse` (`GET …/scripts/{s}/tags`): one page of tag strings. */
export const tagListSchema = z.array(z.string());
conforms<z.infer<typeof tagListSchema>[number], TagListResponse>();

/**
 * An item of the namespace script list (`GET …/dispatch/namespaces/{ns}/scripts`, not in the SDK): Cloudflare's
 * docs show `id`, `created_on`, `modified_on` — a subset of `workers.Script` — and cursor paging in `result_info`.
 */
export const namespaceListItemSchema = z.object({ id: z.string(), created_on: z.string(), modified_on: z.string() }).strict();
conforms<z.infer<typeof namespaceListItemSchema>, WorkersScript>();
export const namespaceListInfoSchema = z.object({ count: z.number().int(), cursor: z.string() }).strict();

/** Parses `value` with `schema` and fails with every issue, naming the field (so a failing answer reads clearly). */
export function schemaProblems(schema: z.ZodType, value: unknown): string[] {
  const parsed = schema.safeParse(value);
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
}
