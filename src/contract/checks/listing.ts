/** The namespace's script list filtered by tags (`?tags=<tag>:yes,<other>:no`), and its cursor paging. */
import type { CheckContext, ContractCheck } from "../context.js";
import { Problems, expectResult, sameSet } from "../expect.js";
import { scriptsPath, tagFilter } from "../paths.js";
import { namespaceListInfoSchema, namespaceListItemSchema } from "../schemas.js";
import { z } from "zod";

const page = z.array(namespaceListItemSchema);

export async function listScripts(ctx: CheckContext, query: string, what: string) {
  const reply = await ctx.call("GET", `${scriptsPath(ctx.account, ctx.names.namespace)}?${query}`);
  const items = expectResult(reply, page, what, namespaceListInfoSchema);
  const info = (reply.json as { result_info: z.infer<typeof namespaceListInfoSchema> }).result_info;
  return { ids: items.map((i) => i.id), info };
}

export const listByTag: ContractCheck = {
  id: "list-by-tag",
  title: "listing with ?tags=: `:yes` selects, `:no` excludes (tags holding = and /)",
  maxCalls: 3,
  needs: ["script-put-code", "script-put-assets-only"],
  async run(ctx) {
    const p = new Problems();
    const { ownerTag, codeTag, codeScript, assetsScript } = ctx.names;
    const cases: Array<[Array<[string, boolean]>, string[]]> = [
      [[[ownerTag, true]], [codeScript, assetsScript]],
      [[[codeTag, true]], [codeScript]],
      [[[ownerTag, true], [codeTag, false]], [assetsScript]],
    ];
    for (const [filter, expected] of cases) {
      const query = `tags=${tagFilter(filter)}`;
      const { ids, info } = await listScripts(ctx, query, `GET scripts?${query}`);
      p.expect(sameSet(ids, expected), `GET scripts?${query}: ${JSON.stringify(ids)}, expected ${JSON.stringify(expected)}`);
      p.expect(info.count === ids.length, `GET scripts?${query}: result_info.count is ${info.count} for ${ids.length} items`);
    }
    p.throwIfAny();
  },
};

export const listPages: ContractCheck = {
  id: "list-pages",
  title: "listing pages: ?limit=1 and the cursor walk through every match once",
  maxCalls: 3,
  needs: ["script-put-code", "script-put-assets-only"],
  async run(ctx) {
    const p = new Problems();
    const { ownerTag, codeScript, assetsScript } = ctx.names;
    const seen: string[] = [];
    let cursor = "";
    let pages = 0;
    do {
      const query = `tags=${tagFilter([[ownerTag, true]])}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const { ids, info } = await listScripts(ctx, query, `GET scripts page ${pages + 1}`);
      pages += 1;
      p.expect(ids.length <= 1, `GET scripts page ${pages}: ${ids.length} items with limit=1`);
      seen.push(...ids);
      cursor = info.cursor;
    } while (cursor !== "" && pages < listPages.maxCalls);
    p.expect(cursor === "", `GET scripts: the cursor did not end after ${pages} pages of two scripts`);
    p.expect(seen.length === new Set(seen).size, `GET scripts: pages repeat a script: ${JSON.stringify(seen)}`);
    p.expect(sameSet([...new Set(seen)], [codeScript, assetsScript]), `GET scripts: the pages hold ${JSON.stringify(seen)}, expected both scripts`);
    p.throwIfAny();
  },
};
