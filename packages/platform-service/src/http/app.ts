/**
 * The HTTP API (README "HTTP API"), on fastify. Bodies of PUT …/site are streamed by the route itself
 * (raw archive or a multipart form), never buffered by fastify; every other answer is JSON.
 *
 * Access is decided by the route that matched (http/access.ts): default deny, `config.access` per route.
 * What the surface does against hostile clients is listed in the README ("Attack surface").
 */
import type { Readable } from "node:stream";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { deploymentJson, type DeploymentRecord } from "../store/records.ts";
import { isRequestRejected, RequestRejected } from "../errors.ts";
import type { Redactor } from "../redact.ts";
import { issueTenantToken } from "../tenant-tokens.ts";
import { TenantService, type UploadBody } from "../tenants.ts";
import { bearerToken, decideAccess, routeRules, type Credentials, type RouteRules } from "./access.ts";
import { isMultipart, multipartBody } from "./multipart.ts";
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from "./limits.ts";
import { Occupancy } from "./occupancy.ts";
import { afterOption, deploymentParam, followOption, tenantParam, tokenOptions, uploadOptions } from "./params.ts";
import { createServerFactory } from "./server.ts";
import { streamEvents, streamText } from "./streams.ts";

export interface AppOptions {
  service: TenantService;
  /** The platform token and the tenant-token key; undefined = no authentication (loopback use only). */
  credentials: Credentials | undefined;
  redact: Redactor;
  log: (line: string) => void;
  limits?: HttpLimits;
}

/** Seconds a client is told to wait after a 429 for a busy bound. */
const RETRY_AFTER_SECONDS = 5;
/** After an answer to a request whose body was not read, how long the rest of it is read and dropped before the socket closes. */
const LINGER_MS = 2000;

function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers["content-length"];
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers["content-length"];
  return request.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

function outcomeText(deployment: DeploymentRecord, liveUrl: string | undefined): string {
  if (deployment.status === "succeeded") {
    if (deployment.kind === "deploy") return `succeeded: ${liveUrl ? `live at ${liveUrl}` : "live"}\n`;
    return "succeeded\n";
  }
  if (deployment.status === "superseded") return `superseded by ${deployment.supersededBy} (the newer upload is deployed instead)\n`;
  return `failed (${deployment.error?.code ?? "unknown"}): ${deployment.error?.message ?? ""}\n`;
}

/**
 * Answers, then closes the connection: the unread rest of the body is read and dropped for a moment (so the
 * client, still sending, receives the answer instead of a reset), never to its end.
 */
function closeAfterAnswer(request: FastifyRequest, reply: FastifyReply): void {
  reply.header("connection", "close");
  request.raw.resume();
  // `destroy?.`: the stand-in socket of `app.inject` (the HTTP tests) has none; a real connection always does.
  reply.raw.once("finish", () => setTimeout(() => request.raw.socket?.destroy?.(), LINGER_MS).unref());
}

export function buildApp(options: AppOptions): FastifyInstance {
  const { service, credentials, redact, log } = options;
  const limits = options.limits ?? DEFAULT_HTTP_LIMITS;
  const streams = new Occupancy(limits.streams);
  const uploads = new Occupancy(limits.uploads);
  // No request logging: URLs and headers are not needed in logs, and an Authorization header must never be.
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, serverFactory: createServerFactory(limits) });

  // Archive bodies are streams: hand them to the route unread, whatever the Content-Type (curl -T sends none,
  // --data-binary says form-urlencoded). Only routes with `takesBody` get that far with a body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));

  // Runs after routing, for every route and for the not-found handler: the matched route's rules decide.
  app.addHook("onRequest", async (request) => {
    const rules = routeRules(request.routeOptions.config);
    const tenant = (request.params as Record<string, unknown> | undefined)?.tenant;
    const decision = decideAccess(rules.access, bearerToken(request.headers.authorization), tenant, credentials);
    if (!decision.allowed) {
      // The same answer for every route, tenant and spelling: nothing about what exists before authentication.
      throw new RequestRejected(
        "unauthorized",
        "this service needs `Authorization: Bearer <token>`: the PLATFORM_API_TOKEN it was started with, or a tenant token for the tenant in the path.",
      );
    }
    if (!rules.takesBody && hasBody(request)) {
      throw new RequestRejected("unexpected-body", `${request.method} on this route takes no request body; send it without one.`);
    }
  });

  app.setErrorHandler(async (error, request, reply) => {
    if (!request.raw.complete) closeAfterAnswer(request, reply);
    if (isRequestRejected(error)) {
      if (error.status === 429) reply.header("retry-after", String(RETRY_AFTER_SECONDS));
      return reply.code(error.status).send({ error: error.code, message: error.message });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ error: "bad-request", message: redact((error as Error).message) });
    }
    log(`internal error on ${request.method} ${request.routeOptions.url ?? "?"}: ${redact((error as Error).stack ?? String(error))}`);
    return reply.code(500).send({ error: "internal-error", message: "internal error; the service log has the details" });
  });

  // Reached only with the platform token (default deny above), so it can name the path it did not find.
  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({ error: "not-found", message: `no route ${request.method} ${request.url.split("?")[0]}; see the README's HTTP API` }),
  );

  const publicRoute: { config: RouteRules } = { config: { access: "public" } };
  const tenantRoute: { config: RouteRules } = { config: { access: "tenant" } };
  const platformRoute: { config: RouteRules } = { config: { access: "platform" } };

  const subscribe = (deployment: DeploymentRecord) => (afterSeq: number, listener: Parameters<TenantService["subscribe"]>[2]) =>
    service.subscribe(deployment.id, afterSeq, listener);
  /** The deployment when it has finished, as the last line of a followed request says it. */
  const outcome = (deployment: DeploymentRecord, liveUrl: () => string | undefined) => async () => {
    const finished = (await service.current(deployment.id)) ?? deployment;
    return outcomeText(finished, liveUrl());
  };

  /** Streams `deployment` on the raw response, within the stream bounds; the slot is freed when the client goes. */
  const stream = (request: FastifyRequest, reply: FastifyReply, deployment: DeploymentRecord, write: (response: FastifyReply["raw"]) => void): FastifyReply => {
    const release = streams.tryEnter(deployment.tenant);
    if (!release) {
      throw new RequestRejected(
        "too-many-streams",
        `too many open event streams (at most ${limits.streams.perTenant} per tenant and ${limits.streams.total} in all); close one, or poll GET /tenants/${deployment.tenant}.`,
      );
    }
    reply.raw.once("close", release);
    // A stream may stay quiet for minutes while a deploy waits for a slot: it is bounded by count, not by idle time.
    request.raw.socket?.setTimeout(0);
    reply.hijack();
    write(reply.raw);
    return reply;
  };

  app.get("/healthz", publicRoute, async () => ({ ok: true }));

  app.put("/tenants/:tenant/site", { config: { access: "tenant", takesBody: true } }, async (request, reply) => {
    const tenant = tenantParam(request.params);
    const { assetConfig, follow } = uploadOptions(request.query);
    const release = uploads.tryEnter(tenant);
    if (!release) {
      throw new RequestRejected(
        "too-many-uploads",
        `too many uploads are being received (at most ${limits.uploads.perTenant} per tenant and ${limits.uploads.total} in all); retry when one has finished.`,
      );
    }
    let accepted;
    try {
      const body: UploadBody = isMultipart(request.headers)
        ? multipartBody(request.raw, request.headers)
        : TenantService.rawBody(request.body as Readable | undefined, declaredLength(request));
      accepted = await service.upload(tenant, body, assetConfig);
    } finally {
      release();
    }
    const { deployment, superseded, unchanged } = accepted;
    const location = `/tenants/${tenant}/deployments/${deployment.id}`;
    if (follow) {
      return stream(request, reply, deployment, (raw) =>
        streamText(raw, 200, { location, "x-deployment-id": deployment.id }, subscribe(deployment), outcome(deployment, () => service.siteAddress(tenant)?.url)),
      );
    }
    // 200 when it was settled at once (the live site already is this upload); 202 when a job will deploy it.
    return reply
      .code(unchanged ? 200 : 202)
      .header("location", location)
      .send({ tenant, deployment: deploymentJson(deployment), superseded, unchanged, status: `/tenants/${tenant}` });
  });

  app.get("/tenants/:tenant", tenantRoute, async (request) => service.status(tenantParam(request.params)));

  app.get("/tenants/:tenant/deployments/:id", tenantRoute, async (request) =>
    deploymentJson(await service.deployment(tenantParam(request.params), deploymentParam(request.params))),
  );

  app.get("/tenants/:tenant/deployments/:id/events", tenantRoute, async (request, reply) => {
    const deployment = await service.deployment(tenantParam(request.params), deploymentParam(request.params));
    const after = afterOption(request.query, request.headers["last-event-id"]);
    return stream(request, reply, deployment, (raw) =>
      streamEvents(raw, subscribe(deployment), after, async () => deploymentJson((await service.current(deployment.id)) ?? deployment)),
    );
  });

  app.delete("/tenants/:tenant", tenantRoute, async (request, reply) => {
    const tenant = tenantParam(request.params);
    const follow = followOption(request.query);
    const deployment = await service.remove(tenant);
    const location = `/tenants/${tenant}/deployments/${deployment.id}`;
    if (follow) {
      return stream(request, reply, deployment, (raw) =>
        streamText(raw, 200, { location, "x-deployment-id": deployment.id }, subscribe(deployment), outcome(deployment, () => undefined)),
      );
    }
    return reply.code(202).header("location", location).send({ tenant, deployment: deploymentJson(deployment) });
  });

  app.post("/tenants/:tenant/unlock", platformRoute, async (request, reply) => {
    const tenant = tenantParam(request.params);
    const follow = followOption(request.query);
    const deployment = await service.unlock(tenant);
    const location = `/tenants/${tenant}/deployments/${deployment.id}`;
    if (follow) {
      return stream(request, reply, deployment, (raw) =>
        streamText(raw, 200, { location, "x-deployment-id": deployment.id }, subscribe(deployment), outcome(deployment, () => undefined)),
      );
    }
    return reply.code(202).header("location", location).send({ tenant, deployment: deploymentJson(deployment) });
  });

  app.post("/tenants/:tenant/tokens", platformRoute, async (request, reply) => {
    const tenant = tenantParam(request.params);
    const { ttlSeconds } = tokenOptions(request.query);
    if (!credentials) {
      throw new RequestRejected("auth-not-configured", "this service runs without PLATFORM_API_TOKEN, so it has no tenant tokens; start it with one.");
    }
    const issued = issueTenantToken(credentials.tenantTokenKey, tenant, ttlSeconds);
    return reply.code(201).send({ tenant, token: issued.token, expiresAt: issued.expiresAt.toISOString() });
  });

  return app;
}
