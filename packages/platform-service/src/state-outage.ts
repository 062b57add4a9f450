/**
 * Whether a failed Pulumi CLI run failed because its Postgres state backend was away (pure). With the state in the
 * service's own database (pulumi-backend.ts), a database restart during a deploy makes the CLI fail — it cannot
 * open the backend, or cannot write its checkpoint or lock — although nothing is wrong with the tenant's site. Such
 * a run is retried like any job that lost the database (operations.ts), never reported as a failed deploy.
 *
 * The CLI's backend (pkg/backend/diy/postgres of the pinned 3.259) goes through Go's database/sql and lib/pq, so
 * its failures read as:
 * - lib/pq server errors, `pq: <message> (<SQLSTATE>)`, of the classes of a server going away or not there yet:
 *   57P01–57P03 (admin/crash shutdown, "the database system is starting up / shutting down"), 08xxx (connection
 *   exceptions), 53300 (too many connections, as when every replica reconnects at once);
 * - database/sql's `driver: bad connection`;
 * - the backend's own wrappers `failed to ping PostgreSQL` / `failed to connect to PostgreSQL` (opening the state);
 * - Go network errors naming the database's host:port (`dial tcp 127.0.0.1:5432: connect: connection refused`,
 *   `read tcp …->127.0.0.1:5432: read: connection reset by peer`). Only that address counts: the engine's gRPC
 *   calls to its plugins fail with the same wording, on other ports, and those failures are the deploy's own.
 */

const SERVER_GONE = /\bpq: [^\n]*\((?:57P0[1-3]|08[0-9A-Z]{3}|53300)\)/;
const BAD_CONNECTION = /\bdriver: bad connection\b/;
const OPEN_FAILED = /\bfailed to (?:ping|connect to) PostgreSQL\b/;
const NETWORK_FAILURE = /connection refused|connection reset by peer|broken pipe|i\/o timeout|\bEOF\b/;

/** The `host:port` lib/pq dials for a postgres:// backend URL (5432 when the URL names none); undefined otherwise. */
function backendAddress(backendUrl: string): string | undefined {
  if (!backendUrl.startsWith("postgres://")) return undefined;
  try {
    const url = new URL(backendUrl);
    return `${url.hostname}:${url.port === "" ? "5432" : url.port}`;
  } catch {
    return undefined;
  }
}

/**
 * True when `message` (a CLI run's error, stderr included) says the run lost its Postgres state backend.
 * Always false for other backends: a file backend does not go away with the database.
 */
export function lostStateBackend(message: string, backendUrl: string): boolean {
  const address = backendAddress(backendUrl);
  if (address === undefined) return false;
  if (SERVER_GONE.test(message) || BAD_CONNECTION.test(message) || OPEN_FAILED.test(message)) return true;
  return message.split("\n").some((line) => line.includes(address) && NETWORK_FAILURE.test(line));
}
