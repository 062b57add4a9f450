import { randomUUID } from "node:crypto";
import { readJsonBody } from "../protocol/body.js";
import { type RouteDef, ok } from "../protocol/context.js";
import type { EmulatorCore } from "../core.js";
import { ApiError, ErrorCode, badRequest } from "../protocol/envelope.js";
import { isResourceName } from "../model/names.js";
import { RouteId } from "../protocol/route-ids.js";
import { storeKey } from "../harness/stats.js";
import type { NamespaceRecord } from "../store/state.js";

/** Dispatch namespaces: create, list, get, delete (deleting drops its scripts and its asset store). */
export function namespaceRoutes(core: EmulatorCore): RouteDef[] {
  const base = "/accounts/:account/workers/dispatch/namespaces";
  return [
    {
      method: "GET",
      pattern: base,
      id: RouteId.listNamespaces,
      auth: "api",
      handler: async (ctx) => {
        const namespaces = [...(core.state.accounts.get(ctx.account)?.namespaces.values() ?? [])];
        namespaces.sort((a, b) => (a.name < b.name ? -1 : 1));
        return ok(namespaces.map((ns) => namespaceInfo(ns, ctx.account)));
      },
    },
    {
      method: "POST",
      pattern: base,
      id: RouteId.createNamespace,
      auth: "api",
      handler: async (ctx) => {
        const body = await readJsonBody(ctx.req, 64 * 1024);
        const name = (body as { name?: unknown } | null)?.name;
        if (typeof name !== "string" || !isResourceName(name)) {
          throw badRequest(`Body must be {"name": "<namespace>"} with 1–63 letters, digits, "-" or "_"; got ${JSON.stringify(name)}.`);
        }
        const account = core.state.account(ctx.account);
        if (account.namespaces.has(name)) {
          throw new ApiError(409, ErrorCode.namespaceExists, `A dispatch namespace named "${name}" already exists.`);
        }
        const now = new Date().toISOString();
        const ns: NamespaceRecord = { id: randomUUID(), name, createdOn: now, modifiedOn: now, scripts: new Map() };
        account.namespaces.set(name, ns);
        await core.persist();
        return ok(namespaceInfo(ns, ctx.account));
      },
    },
    {
      method: "GET",
      pattern: `${base}/:namespace`,
      id: RouteId.getNamespace,
      auth: "api",
      handler: async (ctx) => ok(namespaceInfo(core.namespaceOrThrow(ctx.account, ctx.params.namespace!), ctx.account)),
    },
    {
      method: "DELETE",
      pattern: `${base}/:namespace`,
      id: RouteId.deleteNamespace,
      auth: "api",
      handler: async (ctx) => {
        const ns = core.namespaceOrThrow(ctx.account, ctx.params.namespace!);
        core.state.account(ctx.account).namespaces.delete(ns.name);
        core.recorder.resetStore(ctx.account, storeKey({ kind: "namespace", namespace: ns.name }));
        await core.persist();
        await core.blobs.removeScope({ account: ctx.account, kind: "namespace", namespaceId: ns.id });
        return ok(null);
      },
    },
  ];
}

function namespaceInfo(ns: NamespaceRecord, account: string): Record<string, unknown> {
  return {
    namespace_id: ns.id,
    namespace_name: ns.name,
    created_on: ns.createdOn,
    created_by: account,
    modified_on: ns.modifiedOn,
    modified_by: account,
    script_count: ns.scripts.size,
    trusted_workers: false,
  };
}
