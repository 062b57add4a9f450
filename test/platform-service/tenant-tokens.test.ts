import { describe, expect, it } from "vitest";
import { issueTenantToken, tenantTokenKey, verifyTenantToken } from "../../packages/platform-service/src/tenant-tokens.ts";

const key = tenantTokenKey("platform-api-token-5f0c2e9a71");
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);

describe("tenant tokens", () => {
  it("are good for their tenant until they expire", () => {
    const { token, expiresAt } = issueTenantToken(key, "acme", 3600, NOW);
    expect(token).toMatch(/^wfpt1\.acme\.\d+\.[A-Za-z0-9_-]{43}$/);
    expect(expiresAt.getTime()).toBe(NOW + 3600_000);
    expect(verifyTenantToken(key, token, NOW)).toBe("acme");
    expect(verifyTenantToken(key, token, NOW + 3599_000)).toBe("acme");
    expect(verifyTenantToken(key, token, NOW + 3600_000)).toBeUndefined();
  });

  it("are bound to the platform token: another key (a rotated token) refuses them", () => {
    const { token } = issueTenantToken(key, "acme", 3600, NOW);
    expect(verifyTenantToken(tenantTokenKey("another-platform-token-000"), token, NOW)).toBeUndefined();
  });

  it("refuse anything that is not exactly what was signed", () => {
    const { token } = issueTenantToken(key, "acme", 3600, NOW);
    const [prefix, tenant, expires, signature] = token.split(".") as [string, string, string, string];
    for (const bad of [
      "",
      "acme",
      `wfpt2.${tenant}.${expires}.${signature}`,
      `${prefix}.acmf.${expires}.${signature}`,
      `${prefix}..${expires}.${signature}`,
      `${prefix}.${tenant}.${expires}0.${signature}`,
      `${prefix}.${tenant}.-1.${signature}`,
      `${prefix}.${tenant}.${expires}.${signature}.x`,
      `${prefix}.${tenant}.${expires}.${signature.slice(1)}`,
      `${prefix}.${tenant}.${expires}.${Buffer.alloc(32).toString("base64url")}`,
    ]) {
      expect(verifyTenantToken(key, bad, NOW), bad).toBeUndefined();
    }
  });
});
