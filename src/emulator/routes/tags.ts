import { readJsonBody } from "../protocol/body.js";
import { type RequestContext, type RouteDef, ok } from "../protocol/context.js";
import type { EmulatorCore } from "../core.js";
import { badRequest } from "../protocol/envelope.js";
import { RouteId } from "../protocol/route-ids.js";
import type { ScriptRecord } from "../model/script-record.js";
import { findScript, taggedScripts } from "./scripts.js";
import { scriptsOf, targetOf } from "./targets.js";

/** Cloudflare's limit on tags per script (Workers for Platforms limits; docs/cloudflare-api.md §16.1). */
const MAX_TAGS = 8;

/**
 * Workers for Platforms' tag routes on namespace scripts (docs/cloudflare-api.md §16.1): read and replace a
 * script's tags, add or remove one, and delete every script a tag filter matches. The listing filter
 * (`GET …/scripts?tags=`) is in scripts.ts. Tags are settings, not a new version: changing them leaves the
 * script's `modified_on` and etag alone, as `PATCH …/script-settings` does.
 */
export function tagRoutes(core: EmulatorCore): RouteDef[] {
  const scripts = "/accounts/:account/workers/dispatch/namespaces/:namespace/scripts";
  const tags = `${scripts}/:script/tags`;
  return [
    // SDK `…scripts.tags.list` / `.update` read the result as a SinglePage of strings.
    { method: "GET", pattern: tags, id: RouteId.getNamespaceScriptTags, auth: "api", handler: async (ctx) => ok(findScript(core, ctx).tags) },
    {
      method: "PUT",
      pattern: tags,
      id: RouteId.putNamespaceScriptTags,
      auth: "api",
      handler: async (ctx) => {
        const record = findScript(core, ctx);
        const body = await readJsonBody(ctx.req, 64 * 1024);
        // The SDK's `TagUpdateParams.body` is `Array<string> | null`; null clears, like `[]`.
        if (body !== null && (!Array.isArray(body) || !body.every((t) => typeof t === "string"))) {
          throw badRequest(`Body must be a JSON array of tag strings (or null), got ${JSON.stringify(body)?.slice(0, 80)}.`);
        }
        return setTags(core, record, [...new Set((body ?? []) as string[])]);
      },
    },
    {
      method: "PUT",
      pattern: `${tags}/:tag`,
      id: RouteId.putNamespaceScriptTag,
      auth: "api",
      handler: async (ctx) => {
        const record = findScript(core, ctx);
        const tag = tagOf(ctx);
        if (!record.tags.includes(tag)) await setTags(core, record, [...record.tags, tag]);
        return ok(null);
      },
    },
    {
      method: "DELETE",
      pattern: `${tags}/:tag`,
      id: RouteId.deleteNamespaceScriptTag,
      auth: "api",
      handler: async (ctx) => {
        const record = findScript(core, ctx);
        const tag = tagOf(ctx);
        if (record.tags.includes(tag)) await setTags(core, record, record.tags.filter((t) => t !== tag));
        return ok(null);
      },
    },
    {
      method: "DELETE",
      pattern: scripts,
      id: RouteId.deleteNamespaceScriptsByTag,
      auth: "api",
      handler: async (ctx) => {
        // Without a filter this would empty the namespace; Cloudflare documents the route only with `?tags=`.
        if (!ctx.url.searchParams.get("tags")) throw badRequest('Deleting scripts by tag needs a filter: "?tags=<tag>:yes" (comma-separated, ":no" excludes).');
        const matched = taggedScripts(core, ctx);
        const map = scriptsOf(core, ctx.account, targetOf(core, ctx));
        for (const record of matched) map.delete(record.name);
        if (matched.length > 0) await core.persist();
        return ok(null);
      },
    },
  ];
}

async function setTags(core: EmulatorCore, record: ScriptRecord, tags: string[]) {
  for (const tag of tags) checkTag(tag);
  if (tags.length > MAX_TAGS) throw badRequest(`A script has at most ${MAX_TAGS} tags; this would give it ${tags.length}.`);
  record.tags = tags;
  await core.persist(record);
  return ok(tags);
}

function tagOf(ctx: RequestContext): string {
  const tag = ctx.params.tag!;
  checkTag(tag);
  return tag;
}

/** `,` separates a filter's items and `&` its query parameters (Cloudflare's tags page says to avoid both). */
function checkTag(tag: string): void {
  if (tag.length === 0 || tag.length > 256 || /[,&]/.test(tag)) throw badRequest(`Tag "${tag.slice(0, 80)}" is not allowed: use 1–256 characters without "," or "&".`);
}
