import { describe, expect, it } from "vitest";
import { siteUrl } from "../../packages/pulumi-wfp-assets-components/src/urls.js";

describe("siteUrl", () => {
  it("fills the script and namespace into the platform's pattern", () => {
    expect(siteUrl("https://{script}.{namespace}.example.com/{script}", { script: "acme", namespace: "tenants" })).toBe(
      "https://acme.tenants.example.com/acme",
    );
  });
  it("is empty without a pattern, and leaves {namespace} empty for an account worker", () => {
    expect(siteUrl(undefined, { script: "acme" })).toBe("");
    expect(siteUrl("", { script: "acme" })).toBe("");
    expect(siteUrl("https://{script}.example.com/{namespace}", { script: "acme" })).toBe("https://acme.example.com/");
  });
});
