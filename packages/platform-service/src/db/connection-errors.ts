/**
 * Whether an error of node-postgres means the database is away (pure): refused, reset or ended connections, and the
 * server's own "shutting down / starting up / terminated by administrator" answers (SQLSTATE 57P01–57P03, class 08).
 * Such an error is an outage, not a fault of the query: the caller waits or retries (queue-pool.ts, operations.ts).
 */

/** Socket errors of a server that is restarting or failing over. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

/** The server is stopping (admin/crash shutdown) or not accepting connections yet. */
const SERVER_CODES = new Set(["57P01", "57P02", "57P03"]);

/** node-postgres's own errors for a socket that closed under it, which carry no code. */
const CLOSED_MESSAGES = [/^Connection terminated unexpectedly$/, /^Connection terminated$/, /^Client has encountered a connection error and is not queryable$/];

export function isConnectionFailure(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string" && (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith("08"))) return true;
  return typeof message === "string" && CLOSED_MESSAGES.some((pattern) => pattern.test(message));
}
