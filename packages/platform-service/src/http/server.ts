/**
 * The Node HTTP server under fastify, with the timeouts that bound slow clients (README "Attack surface"):
 * - `headersTimeoutMs`: the request line and headers must arrive within this (a trickled-header client is cut);
 * - `idleTimeoutMs`: a connection on which nothing moves for this long is closed (a stalled body; event
 *   streams turn it off for themselves and are bounded by count instead, http/occupancy.ts);
 * - `requestTimeoutMs`: a whole request, body included, must arrive within this (a body trickled just fast
 *   enough to stay under the idle timeout is still cut); long enough for the largest upload on a slow link.
 * Node checks the first and last only every `connectionsCheckingInterval`, so that interval follows them.
 */
import http from "node:http";

export interface ServerTimeouts {
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  requestTimeoutMs: number;
}

export function createServerFactory(timeouts: ServerTimeouts) {
  return (handler: http.RequestListener): http.Server => {
    const server = http.createServer(
      {
        headersTimeout: timeouts.headersTimeoutMs,
        requestTimeout: timeouts.requestTimeoutMs,
        connectionsCheckingInterval: Math.max(100, Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs) / 4),
        // Node refuses a request with both Content-Length and Transfer-Encoding (request smuggling) by default;
        // keep it strict.
        insecureHTTPParser: false,
      },
      handler,
    );
    // No 'timeout' listener: Node destroys the idle socket itself.
    server.setTimeout(timeouts.idleTimeoutMs);
    return server;
  };
}
