/**
 * The HTTP API (README "HTTP API"), on fastify. Bodies of PUT …/site are streamed by the route itself
 * (raw archive or a multipart form), never buffered by fastify; every other answer is JSON.
 *
 * Access is decided by the route that matched (http/access.ts): default deny, `config.access` per route
 * (the routes are in http/routes.ts). What the surface does against hostile clients is listed in the README
 * ("Attack surface").
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { isRequestRejected, RequestRejected } from "../errors.ts";
import type { Redactor } from "../redact.ts";
import type { TenantService } from "../tenants.ts";
import { bearerToken, decideAccess, routeRules, type Credentials } from "./access.ts";
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from "./limits.ts";
import { Occupancy } from "./occupancy.ts";
import { registerDeploymentRoutes, registerHealthRoute, registerPlatformRoutes, registerTenantRoutes } from "./routes.ts";
import { createServerFactory } from "./server.ts";

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

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers["content-length"];
  return request.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
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

/**
 * Archive bodies are streams: hand them to the route unread, whatever the Content-Type (curl -T sends none,
 * --data-binary says form-urlencoded). Only routes with `takesBody` get that far with a body.
 */
function passBodiesUnread(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
}

/** Runs after routing, for every route and for the not-found handler: the matched route's rules decide. */
function checkAccessAndBody(app: FastifyInstance, credentials: Credentials | undefined): void {
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
}

/** Rejections answer with their own status and code; other client errors as bad-request; the rest is logged and answered 500. */
function answerErrors(app: FastifyInstance, redact: Redactor, log: (line: string) => void): void {
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
}

/** Reached only with the platform token (default deny), so it can name the path it did not find. */
function answerNotFound(app: FastifyInstance): void {
  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({ error: "not-found", message: `no route ${request.method} ${request.url.split("?")[0]}; see the README's HTTP API` }),
  );
}

export function buildApp(options: AppOptions): FastifyInstance {
  const { service, credentials, redact, log } = options;
  const limits = options.limits ?? DEFAULT_HTTP_LIMITS;
  const context = { service, credentials, limits, streams: new Occupancy(limits.streams), uploads: new Occupancy(limits.uploads) };
  // No request logging: URLs and headers are not needed in logs, and an Authorization header must never be.
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, serverFactory: createServerFactory(limits) });
  passBodiesUnread(app);
  checkAccessAndBody(app, credentials);
  answerErrors(app, redact, log);
  answerNotFound(app);
  registerHealthRoute(app);
  registerTenantRoutes(app, context);
  registerDeploymentRoutes(app, context);
  registerPlatformRoutes(app, context);
  return app;
}
