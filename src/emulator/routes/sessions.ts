import { readJsonBody } from "../protocol/body.js";
import { groupIntoBuckets } from "../model/buckets.js";
import { type RequestContext, type RouteDef, ok } from "../protocol/context.js";
import type { EmulatorCore } from "../core.js";
import { fileLimitFor } from "../model/file-limits.js";
import { expiryIn } from "../protocol/jwt.js";
import { RouteId } from "../protocol/route-ids.js";
import { validateSessionManifest } from "../model/session-manifest.js";
import { scriptNameOf, sessionScopeOf, targetOf } from "./targets.js";

/**
 * assets-upload-session, on the namespace and the account route. The answer lists, in buckets, only the hashes
 * the target's store lacks (namespace-wide dedup, which is also what makes a retry resume); when nothing is
 * missing the returned JWT already is the completion token.
 */
export function sessionRoutes(core: EmulatorCore): RouteDef[] {
  return [
    {
      method: "POST",
      pattern: "/accounts/:account/workers/dispatch/namespaces/:namespace/scripts/:script/assets-upload-session",
      id: RouteId.namespaceSession,
      auth: "api",
      handler: (ctx) => createSession(core, ctx),
    },
    {
      method: "POST",
      pattern: "/accounts/:account/workers/scripts/:script/assets-upload-session",
      id: RouteId.accountSession,
      auth: "api",
      handler: (ctx) => createSession(core, ctx),
    },
  ];
}

async function createSession(core: EmulatorCore, ctx: RequestContext) {
  const target = targetOf(core, ctx);
  const script = scriptNameOf(ctx);
  const body = await readJsonBody(ctx.req, core.config.limits.maxRequestBytes);
  const scope = sessionScopeOf(target);
  // Namespace scripts may have 100,000 files; account scripts as many as the account's plan allows (model/file-limits.ts).
  const fileLimit = fileLimitFor(core.config.limits, scope.kind);
  const manifest = validateSessionManifest(body, { ...fileLimit, maxAssetBytes: core.config.limits.maxAssetBytes });
  if (ctx.fault.nullResult) return ok(null);

  const expiresAt = expiryIn(core.jwtLifetimeSeconds());
  const stored = await core.blobs.hashes(core.storeScope(ctx.account, scope));
  const session = await core.sessions.create({
    account: ctx.account,
    scope,
    script,
    manifest,
    createdAt: Date.now() / 1000,
    expiresAt,
  });
  const missing = [...session.hashSizes].filter(([hash]) => !stored.has(hash)).map(([hash, size]) => ({ hash, size }));
  const buckets = groupIntoBuckets(missing, core.config.limits);
  // rk: the rate limit counts this session's upload calls against the credential that opened it.
  const claims = { account: ctx.account, scope, script, session: session.id, ...(ctx.identity !== undefined ? { rateKey: ctx.identity } : {}) };
  const { token } =
    buckets.length === 0
      ? await core.jwt.issue({ ...claims, kind: "completion" }, expiresAt)
      : await core.jwt.issue({ ...claims, kind: "upload" }, expiresAt, core.config.perFileUploads ? { concurrency: core.config.perFileConcurrency } : undefined);
  return ok({ jwt: token, buckets });
}
