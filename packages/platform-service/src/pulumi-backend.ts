/**
 * Where the tenants' Pulumi state lives (pure). With DATABASE_URL (the scale-out path: replicas on several
 * machines) it is the Pulumi CLI's own Postgres backend in that same database, so every replica sees every stack;
 * the embedded single-machine default keeps a file backend in the data directory; PULUMI_BACKEND_URL overrides
 * both. The CLI's backend (pkg/backend/diy/postgres of the pinned 3.259) takes only `postgres://`, connects with
 * Go's lib/pq, creates its table (`pulumi_state`: key, JSON data, updated_at) itself, and takes the table name from
 * a `table` parameter; the rest of the URL is lib/pq's.
 */

/** The table the Pulumi CLI keeps the tenants' state in, beside the service's own. */
export const PULUMI_STATE_TABLE = "pulumi_state";

/** node-postgres understands these; lib/pq does not, and would fail (or send them to the server as settings). */
const NODE_PG_ONLY_PARAMETERS = ["ssl", "uselibpqcompat", "sslpassword"];

/** lib/pq's sslmode values; node-postgres has `no-verify` too. */
const LIB_PQ_SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

export class BackendUrlError extends Error {
  override readonly name = "BackendUrlError";
}

/**
 * The Pulumi backend URL for the service's Postgres. With no `sslmode` (and no PGSSLMODE), node-postgres — the
 * service's own client — connects without TLS, and lib/pq would insist on it: `sslmode=disable` keeps the two
 * alike. Throws BackendUrlError naming what the CLI could not use and the fix.
 */
export function postgresBackendUrl(databaseUrl: string, env: Record<string, string | undefined>): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new BackendUrlError("DATABASE_URL is not a URL; the Pulumi state backend is derived from it (postgres://user:password@host:5432/database).");
  }
  const fix = "Fix DATABASE_URL, or set PULUMI_BACKEND_URL to the Pulumi backend explicitly (postgres://…?sslmode=…&table=pulumi_state).";
  for (const name of NODE_PG_ONLY_PARAMETERS) {
    if (url.searchParams.has(name)) {
      throw new BackendUrlError(`DATABASE_URL has \`${name}=\`, which only node-postgres knows; the Pulumi CLI (lib/pq) would fail on it. Use sslmode=require (or verify-full) instead. ${fix}`);
    }
  }
  const sslmode = url.searchParams.get("sslmode");
  if (sslmode !== null && !LIB_PQ_SSL_MODES.includes(sslmode)) {
    throw new BackendUrlError(`DATABASE_URL has sslmode=${sslmode}, which the Pulumi CLI (lib/pq) does not know (it knows ${LIB_PQ_SSL_MODES.join(", ")}). ${fix}`);
  }
  if (url.searchParams.has("table")) {
    throw new BackendUrlError(`DATABASE_URL has a \`table\` parameter, which is not a Postgres setting (the Pulumi backend's table is ${PULUMI_STATE_TABLE}). ${fix}`);
  }
  if (sslmode === null && (env.PGSSLMODE ?? "") === "") url.searchParams.set("sslmode", "disable");
  url.searchParams.set("table", PULUMI_STATE_TABLE);
  // The CLI registers the scheme `postgres` only; `postgresql://` means the same to node-postgres.
  return `postgres:${url.href.slice(url.protocol.length)}`;
}

/** The schemes of the Pulumi backends the CLI knows (DIY backends and Pulumi Cloud). */
const BACKEND_URL = /^(file|s3|gs|azblob|postgres|https?):\/\/./;

/** Why PULUMI_BACKEND_URL cannot be a backend, or undefined when it can. */
export function backendUrlProblem(value: string): string | undefined {
  if (value.startsWith("postgresql://")) return "PULUMI_BACKEND_URL must start with postgres:// (the Pulumi CLI does not know postgresql://)";
  if (!BACKEND_URL.test(value)) {
    return "PULUMI_BACKEND_URL must be a Pulumi backend URL: file:///path, s3://bucket/prefix, gs://…, azblob://…, postgres://user:password@host/database?sslmode=…, or https://api.pulumi.com";
  }
  return undefined;
}

/** The backend as the welcome line shows it: a database URL without its password. */
export function describeBackend(backendUrl: string): string {
  if (!backendUrl.startsWith("postgres://")) return backendUrl;
  const url = new URL(backendUrl);
  if (url.password !== "") url.password = "***";
  return url.href;
}
