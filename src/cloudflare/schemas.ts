/**
 * Result shapes of the calls the deploy flow makes (docs/cloudflare-api.md §7, §8). Loose objects: Cloudflare adds fields
 * often, and an unknown field must never fail a deploy; only what we read is checked.
 */
import { z } from "zod";

/** "" and null mean "no token" just as a missing field does. */
const optionalJwt = z
  .string()
  .nullish()
  .transform((v) => (v === null || v === undefined || v === "" ? undefined : v));

/**
 * Session answer. `buckets` missing/null ⇒ []; `[]` and `[[]]` both mean "nothing to upload", in which
 * case `jwt` already is the completion token.
 */
export const uploadSessionResultSchema = z.looseObject({
  jwt: optionalJwt,
  buckets: z
    .array(z.array(z.string()))
    .nullish()
    .transform((b) => b ?? []),
});
export type UploadSessionResult = z.infer<typeof uploadSessionResultSchema>;

/** Bucket / per-file upload answer: 202 `{}` while hashes are missing, 201 `{jwt}` once complete. */
export const uploadResultSchema = z.looseObject({ jwt: optionalJwt });
export type UploadResult = z.infer<typeof uploadResultSchema>;

/** The script object as Cloudflare describes it (GET and PUT answers). Everything optional but its types. */
export const scriptObjectSchema = z.looseObject({
  id: z.string().optional(),
  etag: z.string().optional(),
  has_assets: z.boolean().optional(),
  has_modules: z.boolean().optional(),
  created_on: z.string().optional(),
  modified_on: z.string().optional(),
  compatibility_date: z.string().optional(),
  compatibility_flags: z.array(z.string()).optional(),
  tags: z.array(z.string()).nullish(),
  usage_model: z.string().optional(),
  handlers: z.array(z.string()).optional(),
  deployment_id: z.string().nullish(),
  startup_time_ms: z.number().optional(),
});
export type ScriptObject = z.infer<typeof scriptObjectSchema>;

/**
 * Answer of the script PUT (SDK `ScriptUpdateResponse`, docs/cloudflare-api.md §15.3): `startup_time_ms` is the only field the schema
 * requires; `id`, `etag`, `has_assets`, `created_on`, `modified_on` are optional. A deploy Cloudflare applied must not
 * fail because one is missing, so the deploy flow reads the script back instead (src/deploy/script.ts).
 */
export const scriptResultSchema = scriptObjectSchema.extend({
  startup_time_ms: z.number(),
});
export type ScriptResult = z.infer<typeof scriptResultSchema>;

/** `GET …/dispatch/namespaces/{ns}/scripts/{name}`: the script is wrapped, with namespace-level timestamps. */
const namespacedScriptInfoSchema = z.looseObject({
  created_on: z.string().optional(),
  modified_on: z.string().optional(),
  dispatch_namespace: z.string().optional(),
  script: scriptObjectSchema,
});

/**
 * Script info from either route, normalised to the namespaced shape: `{ created_on?, modified_on?,
 * dispatch_namespace?, script }`. The account route (and list items) answer with the flat script
 * object, which becomes `script` with its timestamps copied up.
 */
export const scriptInfoSchema = z.union([
  namespacedScriptInfoSchema,
  // `script` here can only be the old API's raw source string; an object means a malformed wrapped answer.
  scriptObjectSchema.extend({ script: z.string().optional() }).transform((flat) => ({
    ...(flat.created_on !== undefined ? { created_on: flat.created_on } : {}),
    ...(flat.modified_on !== undefined ? { modified_on: flat.modified_on } : {}),
    script: flat,
  })),
]);
export type ScriptInfoResult = z.infer<typeof scriptInfoSchema>;

/** A WfP dispatch namespace (SDK `NamespaceGetResponse`). */
export const dispatchNamespaceSchema = z.looseObject({
  namespace_name: z.string(),
  namespace_id: z.string().optional(),
  created_on: z.string().optional(),
  modified_on: z.string().optional(),
  created_by: z.string().optional(),
  modified_by: z.string().optional(),
  script_count: z.number().optional(),
  trusted_workers: z.boolean().optional(),
});
export type DispatchNamespace = z.infer<typeof dispatchNamespaceSchema>;

export const dispatchNamespaceListSchema = z.array(dispatchNamespaceSchema);

/** For calls whose answer is not used (DELETE usually answers `result: null`). */
export const ignoredResultSchema = z.unknown();
