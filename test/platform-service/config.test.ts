import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, EMULATOR_ACCOUNT_ID, parseConfig } from "../../packages/platform-service/src/config.ts";

const SERVICE_DIR = "/srv/platform";

describe("parseConfig", () => {
  it("runs against its own emulator with a file backend in the data directory by default", () => {
    const config = parseConfig({}, SERVICE_DIR);
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8788,
      dataDir: path.join(SERVICE_DIR, ".data"),
      accountId: EMULATOR_ACCOUNT_ID,
      namespace: "tenants",
      cloudflare: { kind: "emulator", port: 8787 },
      backendUrl: `file://${path.join(SERVICE_DIR, ".data", "state")}`,
      maxConcurrentDeploys: 4,
      maxArchiveBytes: 256 * 1024 * 1024,
      maxSiteBytes: 1024 * 1024 * 1024,
      apiToken: undefined,
      saltSecret: undefined,
    });
  });

  it("targets a real API when a base URL is given, and then needs the account and credentials", () => {
    const env = { CLOUDFLARE_API_BASE_URL: "https://api.cloudflare.com/client/v4/", CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef", CLOUDFLARE_API_TOKEN: "t".repeat(40) };
    expect(parseConfig(env, SERVICE_DIR).cloudflare).toEqual({ kind: "api", baseUrl: "https://api.cloudflare.com/client/v4" });
    expect(() => parseConfig({ ...env, CLOUDFLARE_ACCOUNT_ID: undefined }, SERVICE_DIR)).toThrow(/CLOUDFLARE_ACCOUNT_ID is required/);
    expect(() => parseConfig({ ...env, CLOUDFLARE_API_TOKEN: undefined }, SERVICE_DIR)).toThrow(/CLOUDFLARE_API_TOKEN .* or CLOUDFLARE_API_KEY with CLOUDFLARE_EMAIL/);
    expect(parseConfig({ ...env, CLOUDFLARE_API_TOKEN: undefined, CLOUDFLARE_API_KEY: "k".repeat(37), CLOUDFLARE_EMAIL: "ops@example.com" }, SERVICE_DIR).cloudflare.kind).toBe("api");
  });

  it("names each bad variable and the rule it breaks", () => {
    const attempt = () =>
      parseConfig({ PLATFORM_PORT: "eighty", PLATFORM_NAMESPACE: "Tenants", PLATFORM_MAX_CONCURRENT_DEPLOYS: "65", PLATFORM_SITE_URL: "https://sites.example.com/", CLOUDFLARE_ACCOUNT_ID: "acme" }, SERVICE_DIR);
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/PLATFORM_PORT: PLATFORM_PORT must be a whole number/);
      expect(message).toMatch(/PLATFORM_NAMESPACE: .*lowercase/);
      expect(message).toMatch(/PLATFORM_MAX_CONCURRENT_DEPLOYS: .*at most 64/);
      expect(message).toMatch(/PLATFORM_SITE_URL: .*\{tenant\}/);
      expect(message).toMatch(/CLOUDFLARE_ACCOUNT_ID: .*32/);
    }
  });

  it("treats empty variables as unset and resolves a relative data directory", () => {
    const config = parseConfig({ PLATFORM_API_TOKEN: "", PLATFORM_DATA_DIR: "relative/data", CLOUDFLARE_API_BASE_URL: " " }, SERVICE_DIR);
    expect(config.apiToken).toBeUndefined();
    expect(config.cloudflare.kind).toBe("emulator");
    expect(config.dataDir).toBe(path.resolve("relative/data"));
  });

  it("refuses to listen beyond this machine without a token", () => {
    for (const host of ["0.0.0.0", "::", "192.0.2.10", "platform.internal"]) {
      expect(() => parseConfig({ PLATFORM_HOST: host }, SERVICE_DIR), host).toThrow(/PLATFORM_API_TOKEN is not set.*openssl rand -hex 24.*127\.0\.0\.1/s);
      expect(parseConfig({ PLATFORM_HOST: host, PLATFORM_API_TOKEN: "t".repeat(24) }, SERVICE_DIR).host).toBe(host);
    }
    for (const host of ["127.0.0.1", "127.0.0.53", "localhost", "::1"]) expect(parseConfig({ PLATFORM_HOST: host }, SERVICE_DIR).apiToken).toBeUndefined();
  });

  it("reads the HTTP bounds", () => {
    const config = parseConfig({ PLATFORM_MAX_CONCURRENT_UPLOADS: "3", PLATFORM_MAX_EVENT_STREAMS: "50", PLATFORM_IDLE_TIMEOUT_SECONDS: "7", PLATFORM_UPLOAD_TIMEOUT_SECONDS: "60" }, SERVICE_DIR);
    expect(config.http).toMatchObject({ idleTimeoutMs: 7000, requestTimeoutMs: 60_000, uploads: { total: 3 }, streams: { total: 50 } });
    expect(() => parseConfig({ PLATFORM_UPLOAD_TIMEOUT_SECONDS: "5" }, SERVICE_DIR)).toThrow(/PLATFORM_UPLOAD_TIMEOUT_SECONDS must be at least 10/);
  });

  it("keeps the Pulumi state in DATABASE_URL's database (the CLI's Postgres backend), unless PULUMI_BACKEND_URL says otherwise", () => {
    const db = "postgres://svc:p%40ss@db.internal:5433/platform";
    expect(parseConfig({ DATABASE_URL: db }, SERVICE_DIR).backendUrl).toBe("postgres://svc:p%40ss@db.internal:5433/platform?sslmode=disable&table=pulumi_state");
    // The CLI knows the scheme postgres:// only; TLS settings lib/pq knows are kept, and PGSSLMODE is left to decide.
    expect(parseConfig({ DATABASE_URL: "postgresql://svc@db.internal/platform?sslmode=verify-full&application_name=platform" }, SERVICE_DIR).backendUrl).toBe(
      "postgres://svc@db.internal/platform?sslmode=verify-full&application_name=platform&table=pulumi_state",
    );
    expect(parseConfig({ DATABASE_URL: db, PGSSLMODE: "require" }, SERVICE_DIR).backendUrl).toBe(`${db}?table=pulumi_state`);
    expect(parseConfig({ DATABASE_URL: db, PULUMI_BACKEND_URL: "s3://state-bucket/tenants" }, SERVICE_DIR).backendUrl).toBe("s3://state-bucket/tenants");
    expect(parseConfig({ DATABASE_URL: db, PULUMI_BACKEND_URL: "file:///srv/state" }, SERVICE_DIR).backendUrl).toBe("file:///srv/state");
  });

  it("names what the Pulumi CLI could not use in a database or backend URL, and the fix", () => {
    const db = "postgres://svc:secret@db.internal/platform";
    expect(() => parseConfig({ DATABASE_URL: `${db}?ssl=true` }, SERVICE_DIR)).toThrow(/DATABASE_URL has `ssl=`.*Use sslmode=require.*PULUMI_BACKEND_URL/s);
    expect(() => parseConfig({ DATABASE_URL: `${db}?sslmode=no-verify` }, SERVICE_DIR)).toThrow(/sslmode=no-verify, which the Pulumi CLI \(lib\/pq\) does not know/);
    expect(() => parseConfig({ DATABASE_URL: `${db}?table=state` }, SERVICE_DIR)).toThrow(/`table` parameter/);
    // An explicit backend makes DATABASE_URL's node-postgres-only settings the service's business alone.
    expect(parseConfig({ DATABASE_URL: `${db}?ssl=true`, PULUMI_BACKEND_URL: "file:///srv/state" }, SERVICE_DIR).backendUrl).toBe("file:///srv/state");
    expect(() => parseConfig({ PULUMI_BACKEND_URL: "postgresql://svc@db/platform" }, SERVICE_DIR)).toThrow(/PULUMI_BACKEND_URL must start with postgres:\/\//);
    expect(() => parseConfig({ PULUMI_BACKEND_URL: "/srv/state" }, SERVICE_DIR)).toThrow(/PULUMI_BACKEND_URL must be a Pulumi backend URL: file:\/\/\/path/);
  });
});
