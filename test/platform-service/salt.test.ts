import { expect, it } from "vitest";
import { tenantSalt } from "../../packages/platform-service/src/salt.ts";

const SECRET = "a-service-secret-of-some-length";

it("is stable per tenant, different between tenants and between services, and not the name", () => {
  expect(tenantSalt(SECRET, "acme")).toBe(tenantSalt(SECRET, "acme"));
  expect(tenantSalt(SECRET, "acme")).not.toBe(tenantSalt(SECRET, "globex"));
  expect(tenantSalt(`${SECRET}2`, "acme")).not.toBe(tenantSalt(SECRET, "acme"));
  expect(tenantSalt(SECRET, "acme")).toMatch(/^[0-9a-f]{64}$/);
  expect(tenantSalt(SECRET, "acme")).not.toContain("acme");
});
