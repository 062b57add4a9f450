/**
 * The routes of the HTTP API (README "HTTP API"), registered by resource: health, the tenant and its site,
 * its deployments and their events, and the platform's own operations (unlock, tenant tokens).
 *
 * Every route states its access right where it is registered (`config.access`, decided in http/access.ts);
 * a route that does not state one needs the platform token.
 */
import type { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { deploymentJson, type DeploymentRecord } from "../store/records.ts";
import { RequestRejected } from "../errors.ts";
import { issueTenantToken } from "../tenant-tokens.ts";
import { TenantService, type UploadBody } from "../tenants.ts";
import type { Credentials, RouteRules } from "./access.ts";
import { isMultipart, multipartBody } from "./multipart.ts";
import type { HttpLimits } from "./limits.ts";
import type { Occupancy } from "./occupancy.ts";
import { afterOption, deploymentParam, followOption, tenantParam, tokenOptions, uploadOptions } from "./params.ts";
import { streamEvents, streamText } from "./streams.ts";

/** What the routes share: the service, the credentials, and the bounds on uploads and open streams. */
export interface RouteContext {
  service: TenantService;
  credentials: Credentials | undefined;
  limits: HttpLimits;
  streams: Occupancy;
  uploads: Occupancy;
}

/** A route's fastify options carrying its rules (a fresh object per route). */
function rules(routeRules: RouteRules): { config: RouteRules } {
  return { config: routeRules };
}

function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers["content-length"];
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}

function deploymentLocation(tenant: string, deployment: DeploymentRecord): string {
  return `/tenants/${tenant}/deployments/${deployment.id}`;
}

function outcomeText(deployment: DeploymentRecord, liveUrl: string | undefined): string {
  if (deployment.status === "succeeded") {
    if (deployment.kind === "deploy") return `succeeded: ${liveUrl ? `live at ${liveUrl}` : "live"}\n`;
    return "succeeded\n";
  }
  if (deployment.status === "superseded") return `superseded by ${deployment.supersededBy} (the newer upload is deployed instead)\n`;
  return `failed (${deployment.error?.code ?? "unknown"}): ${deployment.error?.message ?? ""}\n`;
}

function subscribe(service: TenantService, deployment: DeploymentRecord) {
  return (afterSeq: number, listener: Parameters<TenantService["subscribe"]>[2]) => service.subscribe(deployment.id, afterSeq, listener);
}

/** The deployment when it has finished, as the last line of a followed request says it. */
function outcome(service: TenantService, deployment: DeploymentRecord, liveUrl: () => string | undefined) {
  return async () => {
    const finished = (await service.current(deployment.id)) ?? deployment;
    return outcomeText(finished, liveUrl());
  };
}

/** Streams `deployment` on the raw response, within the stream bounds; the slot is freed when the client goes. */
function stream(
  context: RouteContext,
  request: FastifyRequest,
  reply: FastifyReply,
  deployment: DeploymentRecord,
  write: (response: FastifyReply["raw"]) => void,
): FastifyReply {
  const release = context.streams.tryEnter(deployment.tenant);
  if (!release) {
    const { perTenant, total } = context.limits.streams;
    throw new RequestRejected(
      "too-many-streams",
      `too many open event streams (at most ${perTenant} per tenant and ${total} in all); close one, or poll GET /tenants/${deployment.tenant}.`,
    );
  }
  reply.raw.once("close", release);
  // A stream may stay quiet for minutes while a deploy waits for a slot: it is bounded by count, not by idle time.
  request.raw.socket?.setTimeout(0);
  reply.hijack();
  write(reply.raw);
  return reply;
}

/** The `?follow=1` answer: the deployment's progress as text, ending with its outcome. */
function followText(
  context: RouteContext,
  request: FastifyRequest,
  reply: FastifyReply,
  tenant: string,
  deployment: DeploymentRecord,
  liveUrl: () => string | undefined,
): FastifyReply {
  const headers = { location: deploymentLocation(tenant, deployment), "x-deployment-id": deployment.id };
  return stream(context, request, reply, deployment, (raw) =>
    streamText(raw, 200, headers, subscribe(context.service, deployment), outcome(context.service, deployment, liveUrl)),
  );
}

/** The answer to a request that queued a job (delete, unlock): followed, or 202 with where to watch it. */
function answerQueuedJob(
  context: RouteContext,
  request: FastifyRequest,
  reply: FastifyReply,
  tenant: string,
  deployment: DeploymentRecord,
  follow: boolean,
): FastifyReply {
  if (follow) return followText(context, request, reply, tenant, deployment, () => undefined);
  return reply.code(202).header("location", deploymentLocation(tenant, deployment)).send({ tenant, deployment: deploymentJson(deployment) });
}

/** Reads the upload's body (a raw archive or a multipart form), within the upload bounds. */
async function receiveUpload(context: RouteContext, request: FastifyRequest, tenant: string, assetConfig: Parameters<TenantService["upload"]>[2]) {
  const release = context.uploads.tryEnter(tenant);
  if (!release) {
    const { perTenant, total } = context.limits.uploads;
    throw new RequestRejected(
      "too-many-uploads",
      `too many uploads are being received (at most ${perTenant} per tenant and ${total} in all); retry when one has finished.`,
    );
  }
  try {
    const body: UploadBody = isMultipart(request.headers)
      ? multipartBody(request.raw, request.headers)
      : TenantService.rawBody(request.body as Readable | undefined, declaredLength(request));
    return await context.service.upload(tenant, body, assetConfig);
  } finally {
    release();
  }
}

export function registerHealthRoute(app: FastifyInstance): void {
  app.get("/healthz", rules({ access: "public" }), async () => ({ ok: true }));
}

/** The tenant: upload its site, read its state, delete it. */
export function registerTenantRoutes(app: FastifyInstance, context: RouteContext): void {
  const { service } = context;

  app.put("/tenants/:tenant/site", rules({ access: "tenant", takesBody: true }), async (request, reply) => {
    const tenant = tenantParam(request.params);
    const { assetConfig, follow } = uploadOptions(request.query);
    const { deployment, superseded, unchanged } = await receiveUpload(context, request, tenant, assetConfig);
    if (follow) return followText(context, request, reply, tenant, deployment, () => service.siteAddress(tenant)?.url);
    // 200 when it was settled at once (the live site already is this upload); 202 when a job will deploy it.
    return reply
      .code(unchanged ? 200 : 202)
      .header("location", deploymentLocation(tenant, deployment))
      .send({ tenant, deployment: deploymentJson(deployment), superseded, unchanged, status: `/tenants/${tenant}` });
  });

  app.get("/tenants/:tenant", rules({ access: "tenant" }), async (request) => service.status(tenantParam(request.params)));

  app.delete("/tenants/:tenant", rules({ access: "tenant" }), async (request, reply) => {
    const tenant = tenantParam(request.params);
    const follow = followOption(request.query);
    const deployment = await service.remove(tenant);
    return answerQueuedJob(context, request, reply, tenant, deployment, follow);
  });
}

/** A tenant's deployments: one as JSON, and its events as a stream. */
export function registerDeploymentRoutes(app: FastifyInstance, context: RouteContext): void {
  const { service } = context;

  app.get("/tenants/:tenant/deployments/:id", rules({ access: "tenant" }), async (request) =>
    deploymentJson(await service.deployment(tenantParam(request.params), deploymentParam(request.params))),
  );

  app.get("/tenants/:tenant/deployments/:id/events", rules({ access: "tenant" }), async (request, reply) => {
    const deployment = await service.deployment(tenantParam(request.params), deploymentParam(request.params));
    const after = afterOption(request.query, request.headers["last-event-id"]);
    return stream(context, request, reply, deployment, (raw) =>
      streamEvents(raw, subscribe(service, deployment), after, async () => deploymentJson((await service.current(deployment.id)) ?? deployment)),
    );
  });
}

/** What only the platform may do: unlock a tenant's stack, issue tenant tokens. */
export function registerPlatformRoutes(app: FastifyInstance, context: RouteContext): void {
  const { service, credentials } = context;

  app.post("/tenants/:tenant/unlock", rules({ access: "platform" }), async (request, reply) => {
    const tenant = tenantParam(request.params);
    const follow = followOption(request.query);
    const deployment = await service.unlock(tenant);
    return answerQueuedJob(context, request, reply, tenant, deployment, follow);
  });

  app.post("/tenants/:tenant/tokens", rules({ access: "platform" }), async (request, reply) => {
    const tenant = tenantParam(request.params);
    const { ttlSeconds } = tokenOptions(request.query);
    if (!credentials) {
      throw new RequestRejected("auth-not-configured", "this service runs without PLATFORM_API_TOKEN, so it has no tenant tokens; start it with one.");
    }
    const issued = issueTenantToken(credentials.tenantTokenKey, tenant, ttlSeconds);
    return reply.code(201).send({ tenant, token: issued.token, expiresAt: issued.expiresAt.toISOString() });
  });
}
