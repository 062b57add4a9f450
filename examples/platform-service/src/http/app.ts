/**
 * The HTTP API (README "HTTP API"), on fastify. Bodies of PUT …/site are streamed by the route itself
 * (raw archive or a multipart form), never buffered by fastify; every other answer is JSON.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Readable } from "node:stream";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Deployment } from "../deployment.ts";
import { isRequestRejected, RequestRejected } from "../errors.ts";
import type { Redactor } from "../redact.ts";
import { TenantService, type UploadBody } from "../tenants.ts";
import { isMultipart, multipartBody } from "./multipart.ts";
import { afterOption, deploymentParam, followOption, tenantParam, uploadOptions } from "./params.ts";
import { streamEvents, streamText } from "./streams.ts";

export interface AppOptions {
  service: TenantService;
  /** Bearer token every /tenants route requires; undefined = none. */
  apiToken: string | undefined;
  redact: Redactor;
  log: (line: string) => void;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function authorized(header: string | undefined, token: string): boolean {
  const presented = /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1] ?? "";
  // Compare digests: equal length, constant time.
  return timingSafeEqual(digest(presented), digest(token));
}

function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers["content-length"];
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}

function outcomeText(deployment: Deployment, liveUrl: string | undefined): string {
  if (deployment.status === "succeeded") {
    if (deployment.kind === "deploy") return `succeeded: ${liveUrl ? `live at ${liveUrl}` : "live"}\n`;
    return "succeeded\n";
  }
  if (deployment.status === "superseded") return `superseded by ${deployment.supersededBy} (the newer upload is deployed instead)\n`;
  return `failed (${deployment.error?.code ?? "unknown"}): ${deployment.error?.message ?? ""}\n`;
}

export function buildApp(options: AppOptions): FastifyInstance {
  const { service, apiToken, redact, log } = options;
  // No request logging: URLs and headers are not needed in logs, and an Authorization header must never be.
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });

  // Archive bodies are streams: hand them to the route unread, whatever the Content-Type (curl -T sends none,
  // --data-binary says form-urlencoded). Only the upload route accepts a body at all.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));

  app.addHook("onRequest", async (request) => {
    if (apiToken === undefined || !request.url.startsWith("/tenants")) return;
    if (!authorized(request.headers.authorization, apiToken)) {
      throw new RequestRejected("unauthorized", "this service needs `Authorization: Bearer <token>` (the PLATFORM_API_TOKEN it was started with).");
    }
  });

  app.setErrorHandler(async (error, request, reply) => {
    // Whatever happened, a body that was not read is drained, so the client receives this answer.
    request.raw.resume();
    if (isRequestRejected(error)) {
      return reply.code(error.status).send({ error: error.code, message: error.message });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ error: "bad-request", message: redact((error as Error).message) });
    }
    log(`internal error on ${request.method} ${request.routeOptions.url ?? "?"}: ${redact((error as Error).stack ?? String(error))}`);
    return reply.code(500).send({ error: "internal-error", message: "internal error; the service log has the details" });
  });

  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({ error: "not-found", message: `no route ${request.method} ${request.url.split("?")[0]}; see the README's HTTP API` }),
  );

  app.get("/healthz", async () => ({ ok: true }));

  app.put("/tenants/:tenant/site", async (request, reply) => {
    const tenant = tenantParam(request.params);
    const { assetConfig, follow } = uploadOptions(request.query);
    const body: UploadBody = isMultipart(request.headers)
      ? multipartBody(request.raw, request.headers)
      : TenantService.rawBody(request.body as Readable | undefined, declaredLength(request));
    const { deployment, superseded } = await service.upload(tenant, body, assetConfig);
    const location = `/tenants/${tenant}/deployments/${deployment.id}`;
    if (follow) {
      reply.hijack();
      streamText(reply.raw, 200, { location, "x-deployment-id": deployment.id }, deployment, () => outcomeText(deployment, service.siteAddress(tenant)?.url));
      return reply;
    }
    return reply
      .code(202)
      .header("location", location)
      .send({ tenant, deployment: deployment.toJSON(), superseded: superseded.map((d) => d.id), status: `/tenants/${tenant}` });
  });

  app.get("/tenants/:tenant", async (request) => service.status(tenantParam(request.params)));

  app.get("/tenants/:tenant/deployments/:id", async (request) => service.deployment(tenantParam(request.params), deploymentParam(request.params)).toJSON());

  app.get("/tenants/:tenant/deployments/:id/events", async (request, reply: FastifyReply) => {
    const deployment = service.deployment(tenantParam(request.params), deploymentParam(request.params));
    const after = afterOption(request.query, request.headers["last-event-id"]);
    reply.hijack();
    streamEvents(reply.raw, deployment, after);
    return reply;
  });

  app.delete("/tenants/:tenant", async (request, reply) => {
    const tenant = tenantParam(request.params);
    const follow = followOption(request.query);
    const deployment = await service.remove(tenant);
    const location = `/tenants/${tenant}/deployments/${deployment.id}`;
    if (follow) {
      reply.hijack();
      streamText(reply.raw, 200, { location, "x-deployment-id": deployment.id }, deployment, () => outcomeText(deployment, undefined));
      return reply;
    }
    return reply.code(202).header("location", location).send({ tenant, deployment: deployment.toJSON() });
  });

  app.post("/tenants/:tenant/unlock", async (request, reply) => {
    const tenant = tenantParam(request.params);
    const follow = followOption(request.query);
    const deployment = await service.unlock(tenant);
    const location = `/tenants/${tenant}/deployments/${deployment.id}`;
    if (follow) {
      reply.hijack();
      streamText(reply.raw, 200, { location, "x-deployment-id": deployment.id }, deployment, () => outcomeText(deployment, undefined));
      return reply;
    }
    return reply.code(202).header("location", location).send({ tenant, deployment: deployment.toJSON() });
  });

  return app;
}
