import { createHash } from "node:crypto";
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { bearerToken } from "./protocol/auth.js";
import { type Reply, type RequestContext, type RouteDef, ok } from "./protocol/context.js";
import type { EmulatorCore } from "./core.js";
import { ApiError, ErrorCode, errorEnvelope, routeNotFound } from "./protocol/envelope.js";
import type { FaultDecision, FaultOutcome } from "./harness/faults.js";
import { isAccountId } from "./model/names.js";
import { isLoopbackAddress } from "./options.js";
import { RouteId, unknownRouteId } from "./protocol/route-ids.js";
import { type RouteMatch, Router } from "./protocol/router.js";
import { namespaceRoutes } from "./routes/namespaces.js";
import { scriptRoutes } from "./routes/scripts.js";
import { sessionRoutes } from "./routes/sessions.js";
import { tagRoutes } from "./routes/tags.js";
import { uploadRoutes } from "./routes/uploads.js";
import { wranglerRoutes } from "./routes/wrangler.js";
import { SiteServer } from "./serve/site-server.js";

export const API_PREFIX = "/client/v4";
export const STATS_PATH = "/__emulator/stats";

/**
 * The request pipeline: route → count → inject faults (gateway-level faults happen before auth, as they would at
 * Cloudflare's edge) → authenticate → handle → envelope. Unknown routes get Cloudflare's 404 envelope and a
 * warning, so a client calling something the emulator lacks is obvious. Requests for deployed sites (by Host, or
 * under /__sites) go to the site server instead (serve/).
 */
export function createEmulatorServer(core: EmulatorCore, sites: SiteServer = new SiteServer(core)): { server: http.Server; stop(): Promise<void> } {
  const pipeline: Pipeline = { core, sites, router: apiRouter(core), stalls: new Set(), closing: new AbortController() };
  const inFlight = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    const started = Date.now();
    const done = handle(pipeline, req, res)
      .catch((err: unknown) => {
        core.warn(`internal error on ${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        if (!res.headersSent && !res.destroyed) sendReply(req, res, errorReply(new ApiError(500, ErrorCode.unknown, "An unknown error has occurred.")));
      })
      .finally(() => {
        inFlight.delete(done);
        core.log(`${req.method} ${req.url} -> ${res.statusCode} ${Date.now() - started}ms`);
      });
    inFlight.add(done);
  });
  return {
    server,
    /** Cancels stalls, waits for handlers still running (their sockets are already gone), stops the sites' workerd. */
    stop: async () => {
      pipeline.closing.abort();
      for (const t of pipeline.stalls) clearTimeout(t);
      pipeline.stalls.clear();
      await Promise.allSettled([...inFlight]);
      await sites.close();
    },
  };
}

/** What every request of one server shares. */
interface Pipeline {
  core: EmulatorCore;
  sites: SiteServer;
  router: Router<RouteDef>;
  /** Timers of injected stalls, cleared by stop(). */
  stalls: Set<NodeJS.Timeout>;
  /** Aborted by stop(): latency faults end at once, so close() never waits out a long injected delay. */
  closing: AbortController;
}

function apiRouter(core: EmulatorCore): Router<RouteDef> {
  const router = new Router<RouteDef>();
  for (const route of [...namespaceRoutes(core), ...sessionRoutes(core), ...uploadRoutes(core), ...scriptRoutes(core), ...tagRoutes(core), ...wranglerRoutes(core), ...miscRoutes()]) {
    router.add({ method: route.method, pattern: route.pattern, value: route });
  }
  return router;
}

/** Sends a request where it belongs: a deployed site, the stats route, or the API. */
async function handle(p: Pipeline, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (await p.sites.handle(req, res)) return;
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", "http://emulator.invalid");
  if (url.pathname === STATS_PATH) return serveStats(p.core, req, res, method);
  if (!url.pathname.startsWith(`${API_PREFIX}/`)) {
    p.core.warn(`no route: ${method} ${url.pathname} (the API lives under ${API_PREFIX})`);
    return sendReply(req, res, errorReply(routeNotFound(url.pathname)));
  }
  return handleApi(p, req, res, method, url);
}

/** Matches an API path to its route, counts the request against its account, then applies faults and runs the route. */
async function handleApi(p: Pipeline, req: http.IncomingMessage, res: http.ServerResponse, method: string, url: URL): Promise<void> {
  const path = url.pathname.slice(API_PREFIX.length);
  const match = p.router.match(method, path);
  if (match.kind !== "match") {
    const pathAccount = /^\/accounts\/([^/]+)/.exec(path)?.[1];
    if (pathAccount && isAccountId(pathAccount)) p.core.recorder.countRequest(pathAccount, unknownRouteId(method));
    p.core.warn(`no route: ${method} ${url.pathname}${match.kind === "method-not-allowed" ? ` (allowed: ${match.allowed.join(", ")})` : ""}`);
    return sendReply(req, res, errorReply(unmatchedError(method, url.pathname, match)));
  }
  const route = match.route.value;
  const account = match.params.account ?? "";
  if (match.params.account !== undefined && !isAccountId(account)) {
    return sendReply(req, res, errorReply(routeNotFound(url.pathname)));
  }
  if (account) p.core.recorder.countRequest(account, route.id);

  const decision = p.core.faults.decide(route.id);
  if (decision.latencyMs > 0 && !(await waitInjectedLatency(p, req, res, decision.latencyMs))) return;
  const ctx: RequestContext = { req, url, params: match.params, routeId: route.id, account, fault: faultModifiers(decision) };
  if (decision.action && injectFault(req, res, decision.action, p.stalls)) {
    p.core.log(`fault ${decision.action.type} injected on ${route.id}`);
    return;
  }
  await runRoute(p.core, req, res, route, ctx);
}

/** The answer to a path no route matches: 405 naming the allowed methods when only the method is wrong, else 404. */
function unmatchedError(method: string, pathname: string, match: Exclude<RouteMatch<RouteDef>, { kind: "match" }>): ApiError {
  return match.kind === "method-not-allowed"
    ? new ApiError(405, ErrorCode.methodNotAllowed, `Method ${method} is not allowed on ${pathname}; allowed: ${match.allowed.join(", ")}.`)
    : routeNotFound(pathname);
}

/** The fault modifiers a handler applies itself. */
function faultModifiers(decision: FaultDecision): RequestContext["fault"] {
  return { nullResult: decision.action?.type === "null-result", noCompletion: decision.action?.type === "no-completion" };
}

/** Waits out an injected delay; false when the request must get nothing more (the server stops, or the client left). */
async function waitInjectedLatency(p: Pipeline, req: http.IncomingMessage, res: http.ServerResponse, latencyMs: number): Promise<boolean> {
  try {
    await sleep(latencyMs, undefined, { signal: p.closing.signal });
  } catch {
    res.destroy();
    return false;
  }
  // A client that hung up during the delay gets nothing more: like a request lost on the way, it never reached the
  // API, and reading its half-sent body would wait for bytes that never come.
  if (req.socket.destroyed) {
    res.destroy();
    return false;
  }
  return true;
}

/** Authenticates, applies the rate limit and runs the handler; an ApiError becomes its envelope, with the limit headers. */
async function runRoute(core: EmulatorCore, req: http.IncomingMessage, res: http.ServerResponse, route: RouteDef, ctx: RequestContext): Promise<void> {
  let limitHeaders: Record<string, string> = {};
  try {
    if (route.auth === "api") ctx.identity = core.auth.authorize(req.headers, ctx.account || undefined);
    limitHeaders = await enforceRateLimit(core, ctx, route);
    sendReply(req, res, withHeaders(await route.handler(ctx), limitHeaders));
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    sendReply(req, res, withHeaders(errorReply(err), limitHeaders));
  }
}

async function serveStats(core: EmulatorCore, req: http.IncomingMessage, res: http.ServerResponse, method: string): Promise<void> {
  if (!isLoopbackAddress(req.socket.remoteAddress)) {
    return sendReply(req, res, errorReply(new ApiError(403, ErrorCode.authentication, "The stats route answers loopback clients only.")));
  }
  if (method !== "GET") return sendReply(req, res, errorReply(new ApiError(405, ErrorCode.methodNotAllowed, "Use GET.")));
  const body = Buffer.from(JSON.stringify(await core.stats()));
  sendReply(req, res, { kind: "raw", status: 200, body, headers: { "content-type": "application/json" } });
}

/**
 * Applies the rate limit (protocol/rate-limit.ts) once the caller is known: API routes count against the credential, upload
 * routes against the credential that opened the session (the JWT's `rk`), when that switch is on. Throws the 429;
 * otherwise returns the `Ratelimit` headers the answer carries.
 */
async function enforceRateLimit(core: EmulatorCore, ctx: RequestContext, route: RouteDef): Promise<Record<string, string>> {
  const limiter = core.rateLimiter;
  if (!limiter) return {};
  const ip = limiter.checkIp(ctx.req.socket.remoteAddress ?? "unknown");
  if (ip && !ip.allowed) throw rateLimitError(ip.retryAfterSeconds, ip.headers);
  let identity = ctx.identity;
  if (route.auth === "upload") identity = limiter.config.countUploads ? await core.jwt.rateKeyOf(bearerToken(ctx.req.headers)) : undefined;
  if (identity === undefined) return {};
  const decision = limiter.checkToken(identity);
  if (!decision.allowed) {
    core.log(`rate limit: ${identity} refused on ${ctx.routeId} for ${decision.retryAfterSeconds}s`);
    throw rateLimitError(decision.retryAfterSeconds, decision.headers);
  }
  return decision.headers;
}

function rateLimitError(retryAfterSeconds: number, headers: Record<string, string>): ApiError {
  return new ApiError(429, ErrorCode.rateLimited, "Please wait and consider throttling your request speed", {
    headers: { ...headers, "retry-after": String(retryAfterSeconds) },
  });
}

function withHeaders(reply: Reply, headers: Record<string, string>): Reply {
  if (Object.keys(headers).length === 0) return reply;
  return { ...reply, headers: { ...(reply.headers ?? {}), ...headers } } as Reply;
}

function miscRoutes(): RouteDef[] {
  return [
    {
      method: "GET",
      pattern: "/user/tokens/verify",
      id: RouteId.verifyToken,
      auth: "api",
      handler: async (ctx) => {
        const token = bearerToken(ctx.req.headers) ?? "";
        return ok({ id: createHash("sha256").update(token).digest("hex").slice(0, 32), status: "active" });
      },
    },
  ];
}

function errorReply(err: ApiError): Reply {
  return { kind: "json", status: err.status, body: errorEnvelope(err.errors), headers: err.headers };
}

/**
 * Writes a reply. When the handler answered before reading the whole body (an early 400/413), the rest is read
 * and discarded — never buffered — so the client can finish sending and read the answer (closing at once would
 * hand it EPIPE instead of the 413); a client still sending after a few seconds is cut off.
 */
function sendReply(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const body = reply.kind === "json" ? Buffer.from(JSON.stringify(reply.body)) : reply.body;
  res.writeHead(reply.status, { "content-type": "application/json", ...(reply.headers ?? {}), "content-length": body.length });
  res.end(body);
  if (!req.readableEnded) req.resume();
  if (!req.complete) {
    const cutoff = setTimeout(() => req.socket.destroy(), 5_000);
    cutoff.unref();
    const clear = () => clearTimeout(cutoff);
    req.once("end", clear);
    req.once("close", clear);
  }
}

const HTML_502 =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";

/** Applies a gateway-level fault; returns false for modifiers the handler applies itself (null result, no completion). */
function injectFault(req: http.IncomingMessage, res: http.ServerResponse, action: FaultOutcome, stalls: Set<NodeJS.Timeout>): boolean {
  switch (action.type) {
    case "status":
      sendReply(req, res, errorReply(new ApiError(action.status, ErrorCode.unknown, `Injected fault: HTTP ${action.status}.`)));
      return true;
    case "rate-limit":
      sendReply(
        req,
        res,
        errorReply(new ApiError(429, ErrorCode.rateLimited, "Please wait and consider throttling your request speed", { headers: { "retry-after": String(action.retryAfterSeconds) } })),
      );
      return true;
    case "html":
      sendReply(req, res, { kind: "raw", status: 502, body: Buffer.from(HTML_502), headers: { "content-type": "text/html" } });
      return true;
    case "reset":
      req.socket.destroy();
      return true;
    case "stall": {
      // No answer at all, then the connection drops — what a hung edge looks like to a client without timeouts.
      const timer = setTimeout(() => {
        stalls.delete(timer);
        req.socket.destroy();
      }, action.seconds * 1000);
      timer.unref();
      stalls.add(timer);
      req.socket.once("close", () => {
        clearTimeout(timer);
        stalls.delete(timer);
      });
      return true;
    }
    case "null-result":
    case "no-completion":
      return false;
  }
}
