/**
 * Strict runtime schemas of the official `cloudflare` SDK 7.3.0 response types (generated from Cloudflare's
 * OpenAPI spec; docs/cloudflare-api.md §15.3), for the SDK-driven emulator tests. "Strict" both ways: an extra field
 * fails (`.strict()`), and so does a missing required one.
 *
 * The documented shapes are the package's own (src/contract/schemas.ts, which judges a real account); here they are
 * narrowed to the fields the emulator may send: fields it never sends (e.g. `exports`, `cache_options`) are left
 * out, so sending one fails until it is modelled. The routes only these tests read (account list and settings,
 * script-settings, tag writes, the newer Workers API) are modelled here.
 *
 * `conforms<Schema, SdkType>()` is checked by the compiler (`npm run typecheck`): the schema's inferred type must
 * be assignable to the SDK type and may name no field the SDK type lacks — so a schema can never be looser than,
 * or drift away from, the type it stands for.
 */
import type {
  Script as WorkersScript,
  ScriptListResponse,
  ScriptSetting,
  ScriptUpdateResponse as WorkersScriptUpdateResponse,
} from "cloudflare/resources/workers/scripts/scripts";
import type { ScriptAndVersionSettingGetResponse } from "cloudflare/resources/workers/scripts/script-and-version-settings";
import type { UploadCreateResponse as SessionResponse } from "cloudflare/resources/workers/scripts/assets/upload";
import type { NamespaceListResponse } from "cloudflare/resources/workers-for-platforms/dispatch/namespaces/namespaces";
import type { ScriptUpdateResponse as NamespaceScriptUpdateResponse } from "cloudflare/resources/workers-for-platforms/dispatch/namespaces/scripts/scripts";
import type { TagDeleteResponse, TagListResponse, TagUpdateResponse } from "cloudflare/resources/workers-for-platforms/dispatch/namespaces/scripts/tags";
import type { Worker } from "cloudflare/resources/workers/beta/workers/workers";
import { z } from "zod";
import {
  assetUploadSchema,
  conforms,
  consumerScriptSchema,
  namespaceListInfoSchema,
  namespaceListItemSchema,
  namespaceSchema,
  namespaceScriptSchema as documentedNamespaceScript,
  namespaceSettingsSchema as documentedNamespaceSettings,
  observabilitySchema,
  putAnswerSchema as documentedPutAnswer,
  scriptUpdateSchema as documentedScriptUpdate,
  sessionSchema,
  workersScriptSchema as documentedScript,
} from "../../src/contract/schemas.js";

export { assetUploadSchema, conforms, namespaceListItemSchema, namespaceSchema, sessionSchema };

conforms<z.infer<typeof namespaceSchema>, NamespaceListResponse>();
conforms<z.infer<typeof sessionSchema>, SessionResponse>();

// ---- scripts: the documented shapes, less what the emulator never sends -------------------------------------------

/** `workers.Script` fields the emulator never sends (src/emulator/README.md lists what it models). */
const NOT_SENT_BY_SCRIPTS = { cache_options: true, exports: true, placement_mode: true, placement_status: true, tag: true } as const;

/** SDK `workers.Script` (the `script` of the namespace GET). */
export const workersScriptSchema = documentedScript.omit(NOT_SENT_BY_SCRIPTS).strict();
conforms<z.infer<typeof workersScriptSchema>, WorkersScript>();

/** SDK `workersForPlatforms…scripts.Script` (the namespace script GET). */
export const namespaceScriptSchema = documentedNamespaceScript.extend({ script: workersScriptSchema.optional() }).strict();

/** SDK `ScriptListResponse` (the account list's items). */
export const scriptListItemSchema = workersScriptSchema;
conforms<z.infer<typeof scriptListItemSchema>, ScriptListResponse>();

/** SDK `ScriptUpdateResponse` (identical on both PUT routes): only `startup_time_ms` is required. */
export const scriptUpdateSchema = documentedScriptUpdate.omit(NOT_SENT_BY_SCRIPTS).strict();
conforms<z.infer<typeof scriptUpdateSchema>, WorkersScriptUpdateResponse>();
conforms<z.infer<typeof scriptUpdateSchema>, NamespaceScriptUpdateResponse>();

/**
 * The PUT answer the emulator actually sends: `ScriptUpdateResponse` plus exactly one field the generated type
 * lacks, `deployment_id`, which wrangler reads from this answer ("Current Version ID"; src/emulator/README.md,
 * "Deviations"). Nothing else may be added.
 */
export const putAnswerSchema = documentedPutAnswer.omit(NOT_SENT_BY_SCRIPTS).strict();

/** The namespace script list (`GET …/dispatch/namespaces/{ns}/scripts`, not in the SDK) as one envelope. */
export const namespaceListEnvelopeSchema = z
  .object({
    success: z.literal(true),
    errors: z.array(z.never()),
    messages: z.array(z.unknown()),
    result: z.array(namespaceListItemSchema),
    result_info: namespaceListInfoSchema,
  })
  .strict();

// ---- settings --------------------------------------------------------------------------------------------------

/** Settings fields the emulator never sends. */
const NOT_SENT_BY_SETTINGS = { cache_options: true, exports_reconciliation: true } as const;
/** SDK `SettingGetResponse` (namespace `…/settings`). */
export const namespaceSettingsSchema = documentedNamespaceSettings.omit(NOT_SENT_BY_SETTINGS).strict();
/** SDK `ScriptAndVersionSettingGetResponse` (account `…/settings`): the same fields. */
export const accountSettingsSchema = namespaceSettingsSchema;
conforms<z.infer<typeof accountSettingsSchema>, ScriptAndVersionSettingGetResponse>();

/** SDK `ScriptSetting` (`…/script-settings`). */
export const scriptSettingSchema = z
  .object({
    logpush: z.boolean().optional(),
    observability: observabilitySchema.nullable().optional(),
    tags: z.array(z.string()).nullable().optional(),
    tail_consumers: z.array(consumerScriptSchema).nullable().optional(),
  })
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
