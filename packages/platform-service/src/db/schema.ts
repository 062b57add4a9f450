/**
 * The service's tables, next to graphile-worker's own schema in the same database (README "What lives in the
 * database"). Migrations run in order, once, under an advisory lock, so replicas may start together.
 */
import type pg from "pg";

const MIGRATIONS: string[] = [
  `
  create table platform_tenants (
    name text primary key,
    -- What GET /tenants/{t} shows as live: the last successful deploy (tenant-folders.ts LiveSite), or null.
    live jsonb,
    updated_at timestamptz not null default now()
  );
  create table platform_deployments (
    id text primary key,
    tenant text not null,
    kind text not null check (kind in ('deploy', 'delete', 'unlock')),
    status text not null check (status in ('queued', 'running', 'succeeded', 'failed', 'superseded')),
    created_at timestamptz not null default now(),
    started_at timestamptz,
    finished_at timestamptz,
    archive jsonb,
    asset_config jsonb,
    result jsonb,
    error jsonb,
    superseded_by text,
    -- The replica running it now (or last): a 'running' deployment whose runner's lease expired is resumed.
    runner text,
    attempts integer not null default 0
  );
  create index platform_deployments_tenant on platform_deployments (tenant, created_at);
  create index platform_deployments_open on platform_deployments (tenant) where status in ('queued', 'running');
  create table platform_events (
    deployment_id text not null references platform_deployments (id) on delete cascade,
    seq integer not null,
    time timestamptz not null default clock_timestamp(),
    type text not null check (type in ('status', 'progress')),
    message text not null,
    primary key (deployment_id, seq)
  );
  -- An accepted upload's archive, in parts, until its deploy has run (or was superseded).
  create table platform_archives (
    deployment_id text not null references platform_deployments (id) on delete cascade,
    part integer not null,
    data bytea not null,
    primary key (deployment_id, part)
  );
  create table platform_replicas (
    id text primary key,
    worker_ids text[] not null default '{}',
    started_at timestamptz not null default now(),
    heartbeat_at timestamptz not null default now()
  );
  -- Generated once for all replicas when not configured: the salt key and the Pulumi passphrase.
  create table platform_secrets (
    name text primary key,
    value text not null
  );
  `,
];

/** Applies the migrations this database has not seen yet. */
export async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    // One replica migrates at a time; the others wait here, then find nothing left to do.
    await client.query("select pg_advisory_xact_lock(hashtext('wfp-platform-service migrations'))");
    await client.query("create table if not exists platform_migrations (version integer primary key, applied_at timestamptz not null default now())");
    const { rows } = await client.query<{ version: number }>("select coalesce(max(version), 0) as version from platform_migrations");
    for (let version = rows[0]!.version + 1; version <= MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version - 1]!);
      await client.query("insert into platform_migrations (version) values ($1)", [version]);
    }
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** A secret shared by every replica: the configured value, else the one stored, else a new one stored now. */
export async function sharedSecret(pool: pg.Pool, name: string, generate: () => string): Promise<string> {
  await pool.query("insert into platform_secrets (name, value) values ($1, $2) on conflict (name) do nothing", [name, generate()]);
  const { rows } = await pool.query<{ value: string }>("select value from platform_secrets where name = $1", [name]);
  return rows[0]!.value;
}
