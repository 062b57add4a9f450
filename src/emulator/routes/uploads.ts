import { bearerToken } from "../protocol/auth.js";
import { Base64Error, decodeBase64Stream } from "../protocol/base64.js";
import { assertContentLength } from "../protocol/body.js";
import { base64Length } from "../model/buckets.js";
import { type Reply, type RequestContext, type RouteDef, ok } from "../protocol/context.js";
import type { EmulatorCore } from "../core.js";
import { ApiError, ErrorCode, routeNotFound } from "../protocol/envelope.js";
import { JwtRejectedError, expiryIn } from "../protocol/jwt.js";
import { consumeMultipart } from "../protocol/multipart.js";
import { normalizeAssetHash } from "../model/names.js";
import { RouteId } from "../protocol/route-ids.js";
import { storeKey } from "../harness/stats.js";
import { BlobTooLargeError, type StagedBlob, type StoreScope } from "../store/blobs.js";
import type { UploadSession } from "../store/sessions.js";

/**
 * Bucket uploads (multipart, base64 parts) and per-file uploads (raw body). Both authenticate with the session's
 * upload JWT only, stage every part in a temporary file and commit the request's parts together, then answer
 * 202 `{}` while the session's manifest still has missing hashes and 201 `{jwt}` (a completion JWT) once the
 * store holds them all.
 */
export function uploadRoutes(core: EmulatorCore): RouteDef[] {
  return [
    {
      method: "POST",
      pattern: "/accounts/:account/workers/assets/upload",
      id: RouteId.bulkUpload,
      auth: "upload",
      handler: (ctx) => bulkUpload(core, ctx),
    },
    {
      method: "POST",
      pattern: "/accounts/:account/workers/assets/upload/:hash",
      id: RouteId.fileUpload,
      auth: "upload",
      handler: (ctx) => fileUpload(core, ctx),
    },
  ];
}

interface UploadGrant {
  session: UploadSession;
  scope: StoreScope;
  storeKey: string;
}

const uploadTokenError = (message: string) => new ApiError(401, ErrorCode.uploadTokenInvalid, message);
const partError = (message: string) => new ApiError(400, ErrorCode.uploadPartInvalid, message);

async function authorizeUpload(core: EmulatorCore, ctx: RequestContext): Promise<UploadGrant> {
  let claims;
  try {
    claims = await core.jwt.verify(bearerToken(ctx.req.headers), "upload");
  } catch (err) {
    if (!(err instanceof JwtRejectedError)) throw err;
    if (err.problem === "expired") {
      throw new ApiError(401, ErrorCode.tokenExpired, "The upload JWT has expired. Open a new upload session; assets uploaded so far are kept and will not be asked for again.");
    }
    throw uploadTokenError(`Upload routes need "Authorization: Bearer <upload JWT from assets-upload-session>" (never the API token): ${err.message}.`);
  }
  if (claims.account !== ctx.account) throw uploadTokenError("The upload JWT was issued for another account.");
  const session = await core.sessions.get(claims.session);
  if (!session) throw uploadTokenError("The upload JWT names an upload session this emulator does not know (its data directory was reset?).");
  if (session.scope.kind === "namespace") {
    const ns = core.state.accounts.get(ctx.account)?.namespaces.get(session.scope.namespace);
    if (!ns || ns.id !== session.scope.namespaceId) {
      throw uploadTokenError(`Dispatch namespace "${session.scope.namespace}" was deleted after this upload session was opened.`);
    }
  }
  const key = storeKey(session.scope);
  core.recorder.countUploadRequest(ctx.account, key);
  return { session, scope: core.storeScope(ctx.account, session.scope), storeKey: key };
}

/** The manifest size of `rawHash`, or a 400 naming why the part is not acceptable. */
function expectedSize(session: UploadSession, rawHash: string): { hash: string; size: number } {
  const hash = normalizeAssetHash(rawHash);
  if (hash === undefined) throw partError(`Part "${rawHash}" is not named by an asset hash (32 hex characters).`);
  const size = session.hashSizes.get(hash);
  if (size === undefined) throw partError(`Hash ${hash} is not in this upload session's manifest; upload only the hashes listed in the session's buckets.`);
  return { hash, size };
}

/**
 * The type a file is stored (and later served) with: the part's Content-Type header exactly as sent, parameters
 * included. No header, or wrangler's sentinel `application/null` (docs/cloudflare-api.md §3), means "serve with no Content-Type".
 */
function storedContentType(type: string | undefined): string | null {
  if (!type || /^application\/null\s*(;|$)/i.test(type)) return null;
  return type;
}

async function stagePart(core: EmulatorCore, grant: UploadGrant, hash: string, size: number, contentType: string | null, body: AsyncIterable<Buffer>): Promise<StagedBlob> {
  let blob: StagedBlob;
  try {
    blob = await core.blobs.stage(grant.scope, hash, contentType, body, size);
  } catch (err) {
    if (err instanceof BlobTooLargeError) throw partError(`Part ${hash} holds more than the ${size} bytes its manifest entry declares.`);
    if (err instanceof Base64Error) throw partError(`Part ${hash} is not valid base64: it ${err.message}.`);
    throw err;
  }
  if (blob.size !== size) {
    await blob.discard();
    throw partError(`Part ${hash} holds ${blob.size} bytes but its manifest entry declares ${size}.`);
  }
  return blob;
}

async function bulkUpload(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  const grant = await authorizeUpload(core, ctx);
  if (ctx.url.searchParams.get("base64") !== "true") {
    throw new ApiError(400, ErrorCode.base64Required, "This route requires ?base64=true with base64-encoded parts.");
  }
  const { maxRequestBytes, maxAssetBytes } = core.config.limits;
  assertContentLength(ctx.req, maxRequestBytes);
  const staged: StagedBlob[] = [];
  try {
    await consumeMultipart(
      ctx.req,
      // base64 of the largest asset, plus slack for line breaks some encoders insert
      { maxBytes: maxRequestBytes, maxPartBytes: base64Length(maxAssetBytes) + 1024 * 1024 },
      async (part) => {
        const { hash, size } = expectedSize(grant.session, part.name);
        // The header as sent: a plain string field (the SDK's encoding) has none, so it is stored without a type.
        const type = storedContentType(part.contentType);
        staged.push(await stagePart(core, grant, hash, size, type, decodeBase64Stream(part.body)));
      },
    );
    if (staged.length === 0) throw partError("The upload has no parts; send one part per hash, named by the hash.");
  } catch (err) {
    await Promise.all(staged.map((b) => b.discard()));
    throw err;
  }
  return commit(core, ctx, grant, staged);
}

async function fileUpload(core: EmulatorCore, ctx: RequestContext): Promise<Reply> {
  if (!core.config.perFileUploads) throw routeNotFound(ctx.url.pathname);
  const grant = await authorizeUpload(core, ctx);
  const { hash, size } = expectedSize(grant.session, ctx.params.hash!);
  assertContentLength(ctx.req, Math.min(core.config.limits.maxAssetBytes, core.config.limits.maxRequestBytes));
  const type = storedContentType(ctx.req.headers["content-type"]);
  const blob = await stagePart(core, grant, hash, size, type, ctx.req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>);
  return commit(core, ctx, grant, [blob]);
}

async function commit(core: EmulatorCore, ctx: RequestContext, grant: UploadGrant, staged: StagedBlob[]): Promise<Reply> {
  await Promise.all(staged.map((blob) => blob.commit()));
  core.recorder.countFiles(ctx.account, grant.storeKey, staged);
  const stored = await core.blobs.hashes(grant.scope);
  const complete = [...grant.session.hashSizes.keys()].every((h) => stored.has(h));
  if (!complete || ctx.fault.noCompletion) return ok({}, 202);
  const { session } = grant;
  const { token } = await core.jwt.issue(
    { kind: "completion", account: session.account, scope: session.scope, script: session.script, session: session.id },
    expiryIn(core.jwtLifetimeSeconds()),
  );
  return ok({ jwt: token }, 201);
}
