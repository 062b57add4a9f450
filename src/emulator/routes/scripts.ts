import { randomUUID } from "node:crypto";
import { assertContentLength } from "../protocol/body.js";
import { type Reply, type RequestContext, type RouteDef, ok } from "../protocol/context.js";
import type { EmulatorCore } from "../core.js";
import { ApiError, ErrorCode, badRequest, namespaceScriptNotFound, workerNotFound } from "../protocol/envelope.js";
import { JwtRejectedError, describeScope } from "../protocol/jwt.js";
import { consumeMultipart, readPartText } from "../protocol/multipart.js";
import { paginate, parsePageRequest } from "../protocol/pagination.js";
import { RouteId } from "../protocol/route-ids.js";
import { namespaceListItem, namespaceScriptAnswer, putAnswer, scriptObject, settingsAnswer } from "../model/script-answers.js";
import { type AssetResolution, type UploadedPart, buildScriptVersion, parseWorkerMetadata, validateScriptShape } from "../model/script-model.js";
import type { ScriptRecord } from "../model/script-record.js";
import { type ScriptTarget, scriptNameOf, scriptsOf, sessionScopeOf, targetOf } from "./targets.js";

/**
 * Script routes on both families: PUT (multipart metadata + modules, or metadata only), GET, settings, content,
 * DELETE and list. A PUT replaces the whole version: asset config, bindings and compatibility come from its
 * metadata; assets come from a completion JWT (attached once) or, with keep_assets, from the previous version.
 * Answer shapes: model/script-answers.ts.
 */
export function scriptRoutes(core: EmulatorCore): RouteDef[] {
  const ns = "/accounts/:account/workers/dispatch/namespaces/:namespace/scripts";
  const acct = "/accounts/:account/workers/scripts";
  const put = async (ctx: RequestContext) => ok(putAnswer(await putScript(core, ctx), { minimal: core.config.minimalPutAnswers }));
  const settings = async (ctx: RequestContext) => ok(settingsAnswer(findScript(core, ctx)));
  return [
    { method: "GET", pattern: ns, id: RouteId.listNamespaceScripts, auth: "api", handler: (ctx) => listNamespaceScripts(core, ctx) },
    { method: "PUT", pattern: `${ns}/:script`, id: RouteId.putNamespaceScript, auth: "api", handler: put },
    { method: "GET", pattern: `${ns}/:script`, id: RouteId.getNamespaceScript, auth: "api", handler: (ctx) => getNamespaceScript(core, ctx) },
    { method: "DELETE", pattern: `${ns}/:script`, id: RouteId.deleteNamespaceScript, auth: "api", handler: (ctx) => deleteScript(core, ctx) },
    { method: "GET", pattern: `${ns}/:script/settings`, id: RouteId.getNamespaceScriptSettings, auth: "api", handler: settings },
    { method: "GET", pattern: `${ns}/:script/content`, id: RouteId.getNamespaceScriptContent, auth: "api", handler: (ctx) => scriptContent(core, ctx) },
    { method: "GET", pattern: acct, id: RouteId.listAccountScripts, auth: "api", handler: (ctx) => listAccountScripts(core, ctx) },
    { method: "PUT", pattern: `${acct}/:script`, id: RouteId.putAccountScript, auth: "api", handler: put },
    { method: "GET", pattern: `${acct}/:script`, id: RouteId.getAccountScript, auth: "api", handler: (ctx) => rawScript(core, ctx) },
    { method: "DELETE", pattern: `${acct}/:script`, id: RouteId.deleteAccountScript, auth: "api", handler: (ctx) => deleteScript(core, ctx) },
    { method: "GET", pattern: `${acct}/:script/settings`, id: RouteId.getAccountScriptSettings, auth: "api", handler: settings },
    { method: "GET", pattern: `${acct}/:script/content`, id: RouteId.getAccountScriptContent, auth: "api", handler: (ctx) => scriptContent(core, ctx) },
    { method: "GET", pattern: `${acct}/:script/content/v2`, id: RouteId.getAccountScriptContentV2, auth: "api", handler: (ctx) => scriptContent(core, ctx) },
  ];
}

/** The script named in the path, or the 404 Cloudflare answers for a missing Worker. */
export function findScript(core: EmulatorCore, ctx: RequestContext): ScriptRecord {
  const target = targetOf(core, ctx);
  const script = scriptsOf(core, ctx.account, target).get(scriptNameOf(ctx));
  if (!script) throw workerNotFound();
  return script;
}

/** Parses and applies a script upload (PUT, or wrangler's versions POST); returns the new version. */
export async function putScript(core: EmulatorCore, ctx: RequestContext): Promise<ScriptRecord> {
  const target = targetOf(core, ctx);
  const name = scriptNameOf(ctx);
  const { maxRequestBytes, maxMetadataBytes } = core.config.limits;
  assertContentLength(ctx.req, maxRequestBytes);
  const parts: UploadedPart[] = [];
  let metadataText: string | undefined;
  await consumeMultipart(ctx.req, { maxBytes: maxRequestBytes, maxPartBytes: maxRequestBytes, maxParts: 1000 }, async (part) => {
    if (part.name === "metadata") {
      if (metadataText !== undefined) throw badRequest('The form has two parts named "metadata".', ErrorCode.scriptValidation);
      metadataText = await readPartText(part.body, maxMetadataBytes, "metadata");
      return;
    }
    const bytes = (async function* () {
      for await (const chunk of part.body) yield typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    })();
    const { sha, size } = await core.objects.putStream(bytes, maxRequestBytes, () => new ApiError(413, ErrorCode.requestTooLarge, `Module "${part.name}" is too large.`));
    // A module is named by its part's filename (what main_module refers to, docs/cloudflare-api.md §15.3),
    // else by its field name; its type is the part's Content-Type header as sent.
    parts.push({ field: part.name, module: { name: part.filename ?? part.name, contentType: part.contentType ?? "", object: sha, size } });
  });
  const metadata = parseWorkerMetadata(metadataText);
  const entry = validateScriptShape(metadata, parts);
  const modules = parts.map((p) => p.module);

  const completion = metadata.assets?.jwt ? await claimCompletion(core, ctx, target, name, metadata.assets.jwt) : undefined;
  let record: ScriptRecord;
  try {
    // From here to the map update nothing awaits, so concurrent PUTs of one script apply one after the other.
    const scripts = scriptsOf(core, ctx.account, target);
    record = buildScriptVersion({
      name,
      previous: scripts.get(name),
      metadata,
      modules,
      entry,
      uploaded: completion?.uploaded ?? { kind: "none" },
      now: new Date(),
      deploymentId: randomUUID(),
      deployedFrom: /^wrangler\//i.test(ctx.req.headers["user-agent"] ?? "") ? "wrangler" : "api",
    });
    scripts.set(name, record);
    if (completion) core.state.account(ctx.account).spentSessions.set(completion.session, completion.expiresAt);
  } finally {
    if (completion) core.releaseSession(ctx.account, completion.session);
  }
  await core.persist();
  return record;
}

interface ClaimedCompletion {
  uploaded: AssetResolution;
  session: string;
  expiresAt: number;
}

/**
 * Checks a completion JWT against the PUT it arrives with and reserves its session. Expired → 401 (start over);
 * any other misuse (another script, route family or account, an upload JWT, a second use) → 400.
 */
async function claimCompletion(core: EmulatorCore, ctx: RequestContext, target: ScriptTarget, script: string, token: string): Promise<ClaimedCompletion> {
  const rejected = (message: string) => new ApiError(400, ErrorCode.completionTokenRejected, message);
  let claims;
  try {
    claims = await core.jwt.verify(token, "completion");
  } catch (err) {
    if (!(err instanceof JwtRejectedError)) throw err;
    if (err.problem === "expired") {
      throw new ApiError(401, ErrorCode.tokenExpired, "The assets completion JWT has expired. Open a new upload session (stored assets are not asked for again) and PUT with its completion JWT.");
    }
    if (err.problem === "wrong-kind") {
      throw rejected("assets.jwt is an upload JWT; attach the completion JWT (from the upload answered 201, or from a session with no buckets).");
    }
    throw rejected(`assets.jwt is not a completion JWT this emulator issued: ${err.message}.`);
  }
  if (claims.account !== ctx.account) throw rejected("The completion JWT was issued for another account.");
  const expected = sessionScopeOf(target);
  const sameScope =
    claims.scope.kind === expected.kind &&
    (expected.kind === "account" || (claims.scope.kind === "namespace" && claims.scope.namespace === expected.namespace && claims.scope.namespaceId === expected.namespaceId));
  if (!sameScope || claims.script !== script) {
    throw rejected(`The completion JWT was issued for ${describeScope(claims.scope, claims.script)}, not ${describeScope(expected, script)}. Open the upload session on the same route as the PUT.`);
  }
  const session = await core.sessions.get(claims.session);
  if (!session) throw rejected("The completion JWT names an upload session this emulator does not know.");
  if (!core.reserveSession(ctx.account, session.id)) {
    throw rejected("This completion JWT's assets were already attached by an earlier PUT; a completion JWT attaches once. Open a new upload session.");
  }
  try {
    const stored = await core.blobs.hashes(core.storeScope(ctx.account, session.scope));
    const missing = [...session.hashSizes.keys()].filter((h) => !stored.has(h));
    if (missing.length > 0) throw rejected(`${missing.length} asset(s) of this upload session are not stored (e.g. ${missing[0]}); upload again.`);
  } catch (err) {
    core.releaseSession(ctx.account, session.id);
    throw err;
  }
  return { uploaded: { kind: "upload", manifestRef: session.manifestRef, assetCount: session.manifest.size }, session: session.id, expiresAt: claims.expiresAt };
}

/**
 * Namespace script GET: a missing script is 10092 here, the one code wrangler reads as "new Worker"
 * (docs/cloudflare-api.md §15.3).
 */
async function getNamespaceScript(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  const target = targetOf(core, ctx); // a missing namespace stays 10320, never a "script not found"
  const record = scriptsOf(core, ctx.account, target).get(scriptNameOf(ctx));
  if (!record || target.kind !== "namespace") throw namespaceScriptNotFound();
  return ok(namespaceScriptAnswer(record, target.namespace.name));
}

async function deleteScript(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  const target = targetOf(core, ctx);
  const scripts = scriptsOf(core, ctx.account, target);
  const name = scriptNameOf(ctx);
  if (!scripts.delete(name)) throw workerNotFound();
  await core.persist();
  return ok(null);
}

/** The target's scripts that pass the request's `?tags=` filter (all of them without one), ordered by name. */
export function taggedScripts(core: EmulatorCore, ctx: RequestContext): ScriptRecord[] {
  const target = targetOf(core, ctx);
  const filter = parseTagFilter(ctx.url.searchParams.get("tags"));
  return [...scriptsOf(core, ctx.account, target).values()]
    .filter((r) => filter.every(({ tag, present }) => r.tags.includes(tag) === present))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** `GET …/namespaces/{ns}/scripts[?tags=…][&limit=≤1000][&cursor=…]`: items as in `namespaceListItem`. */
async function listNamespaceScripts(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  const page = parsePageRequest(ctx.url.searchParams);
  const { items, resultInfo } = paginate(taggedScripts(core, ctx), (r) => r.name, page);
  return ok(items.map(namespaceListItem), 200, resultInfo);
}

/** `GET /accounts/{a}/workers/scripts`: SDK `ScriptListResponse` items, one page (the SDK's `SinglePage`). */
async function listAccountScripts(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  return ok(taggedScripts(core, ctx).map(scriptObject));
}

/** `?tags=tag:yes,other:no` — yes: must carry the tag; no: must not. */
function parseTagFilter(value: string | null): Array<{ tag: string; present: boolean }> {
  if (!value) return [];
  return value.split(",").map((item) => {
    const at = item.lastIndexOf(":");
    const tag = at > 0 ? item.slice(0, at) : item;
    const flag = at > 0 ? item.slice(at + 1) : "yes";
    if (flag !== "yes" && flag !== "no") throw badRequest(`Tag filter "${item}" must be "<tag>:yes" or "<tag>:no".`);
    return { tag, present: flag === "yes" };
  });
}

/**
 * `GET /accounts/{a}/workers/scripts/{s}` answers the script itself, not JSON (SDK `workers.scripts.get`:
 * "the original script content, not JSON encoded"): a script of one module comes back raw with its content type;
 * one of several modules comes back as multipart/form-data like `…/content`.
 */
async function rawScript(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  const record = findScript(core, ctx);
  if (record.modules.length !== 1) return scriptContent(core, ctx);
  const module = record.modules[0]!;
  const bytes = await core.objects.get(module.object);
  if (!bytes) throw new Error(`module object ${module.object} of ${record.name} is missing from the data directory`);
  return { kind: "raw", status: 200, body: bytes, headers: { "content-type": module.contentType || "application/javascript" } };
}

/** The modules as multipart/form-data (as Cloudflare answers `…/content` and `…/content/v2`), with `cf-entrypoint`. */
async function scriptContent(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  const record = findScript(core, ctx);
  if (record.modules.length === 0) throw new ApiError(404, ErrorCode.workerNotFound, "This Worker has no script content (it is assets-only).");
  const form = new FormData();
  for (const m of record.modules) {
    const bytes = await core.objects.get(m.object);
    if (!bytes) throw new Error(`module object ${m.object} of ${record.name} is missing from the data directory`);
    form.append(m.name, new Blob([new Uint8Array(bytes)], { type: m.contentType }), m.name);
  }
  const encoded = new Response(form);
  const headers: Record<string, string> = { "content-type": encoded.headers.get("content-type") ?? "multipart/form-data" };
  const entry = record.mainModule ?? record.bodyPart;
  if (entry !== undefined) headers["cf-entrypoint"] = entry;
  return { kind: "raw", status: 200, body: Buffer.from(await encoded.arrayBuffer()), headers };
}
