import { badRequest } from "./envelope.js";

/**
 * Cursor pagination for the namespace script list (`?limit=≤1000&cursor=`, docs/cloudflare-api.md §8, §15.1). Items are ordered by
 * name; the cursor is an opaque token naming the last item of the previous page, so pages stay consistent while
 * scripts are added or removed between calls. `result_info` follows Cloudflare's cursor-paginated lists (KV keys):
 * `{count, cursor}`, where `cursor` is `""` on the last page.
 */

export const MAX_PAGE_SIZE = 1000;

export interface PageRequest {
  limit: number;
  /** The name after which this page starts; undefined for the first page. */
  after: string | undefined;
}

export function parsePageRequest(params: URLSearchParams): PageRequest {
  const rawLimit = params.get("limit");
  let limit = MAX_PAGE_SIZE;
  if (rawLimit !== null) {
    limit = Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw badRequest(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got "${rawLimit}".`);
    }
  }
  const cursor = params.get("cursor");
  if (cursor === null || cursor === "") return { limit, after: undefined };
  const after = decodeCursor(cursor);
  if (after === undefined) throw badRequest(`cursor "${cursor}" is not a cursor this list returned; start again without one.`);
  return { limit, after };
}

/** One page of `sortedNames`-ordered items and the result_info that goes with it. */
export function paginate<T>(items: T[], nameOf: (item: T) => string, page: PageRequest): { items: T[]; resultInfo: { count: number; cursor: string } } {
  const start = page.after === undefined ? 0 : items.findIndex((item) => nameOf(item) > page.after!);
  const from = start === -1 ? items.length : start;
  const slice = items.slice(from, from + page.limit);
  const more = from + page.limit < items.length;
  return { items: slice, resultInfo: { count: slice.length, cursor: more ? encodeCursor(nameOf(slice[slice.length - 1]!)) : "" } };
}

function encodeCursor(name: string): string {
  return Buffer.from(`after:${name}`, "utf8").toString("base64url");
}

function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  return text.startsWith("after:") ? text.slice("after:".length) : undefined;
}
