import { z } from "zod";
import { CloudflareApiError, routes, type CloudflareClient, type ScriptTarget } from "../cloudflare/index.js";
import { NamespaceNotFoundError } from "./observe.js";
import { credentialAdvice, DeployError } from "./errors.js";

/**
 * One item of `GET …/dispatch/namespaces/{ns}/scripts` (docs/cloudflare-api.md §8, §15.1). Cloudflare's examples read only `id`,
 * `created_on` and `modified_on`; richer items (etag, tags) are used when present.
 */
const listedScriptSchema = z.looseObject({
  id: z.string(),
  created_on: z.string().optional(),
  modified_on: z.string().optional(),
  etag: z.string().optional(),
  tags: z.array(z.string()).nullish(),
});

/** `result_info` of a cursor-paginated list: an empty or missing cursor ends it. */
const cursorInfoSchema = z.looseObject({ cursor: z.string().nullish() }).optional();

export interface ListedScript {
  id: string;
  createdOn?: string;
  modifiedOn?: string;
  etag?: string;
  tags?: string[];
}

/** Cloudflare's most per page (docs/cloudflare-api.md §15.1): one call observes up to 1,000 scripts. */
export const LIST_PAGE_SIZE = 1000;

/** Every script of a dispatch namespace, by name, in ceil(n / 1,000) calls. */
export async function listNamespaceScripts(client: CloudflareClient, accountId: string, namespace: string): Promise<Map<string, ListedScript>> {
  return (await listScripts(client, accountId, namespace)).scripts;
}

export interface ListScriptsOptions {
  /** Cloudflare's server-side filter (`?tags=<tag>:yes,<other>:no`, docs/cloudflare-api.md §16.1); unset lists every script. */
  tags?: string;
  /** Asked before each page; false stops the listing there (what was listed so far comes back, `complete: false`). */
  mayContinue?: () => boolean;
}

/** The scripts of a dispatch namespace, optionally filtered by tag, one call per 1,000. */
export async function listScripts(
  client: CloudflareClient,
  accountId: string,
  namespace: string,
  options: ListScriptsOptions = {},
): Promise<{ scripts: Map<string, ListedScript>; complete: boolean }> {
  const target: ScriptTarget = { accountId, namespace, scriptName: "" };
  const scripts = new Map<string, ListedScript>();
  let cursor: string | undefined;
  for (;;) {
    if (options.mayContinue && !options.mayContinue()) return { scripts, complete: false };
    let page;
    try {
      page = await client.request({
        method: "GET",
        path: routes.namespaceScriptsPath(accountId, namespace),
        query: { limit: String(LIST_PAGE_SIZE), cursor, tags: options.tags },
        schema: z.array(listedScriptSchema),
      });
    } catch (error) {
      if (error instanceof CloudflareApiError && error.status === 404) throw new NamespaceNotFoundError("read", target, error, "its scripts");
      if (error instanceof CloudflareApiError) {
        const advice = error.status === 401 || error.status === 403 ? `. To fix it, ${credentialAdvice(accountId)}` : "";
        throw new DeployError("read", `Listing the scripts of dispatch namespace "${namespace}" failed: ${error.message}${advice}`, error.status, { cause: error });
      }
      throw error;
    }
    for (const item of page.result) {
      scripts.set(item.id, {
        id: item.id,
        ...(item.created_on !== undefined ? { createdOn: item.created_on } : {}),
        ...(item.modified_on !== undefined ? { modifiedOn: item.modified_on } : {}),
        ...(item.etag !== undefined ? { etag: item.etag } : {}),
        ...(item.tags ? { tags: item.tags } : {}),
      });
    }
    const next = cursorInfoSchema.safeParse(page.resultInfo);
    cursor = next.success ? (next.data?.cursor ?? undefined) : undefined;
    if (!cursor || page.result.length === 0) return { scripts, complete: true };
  }
}
