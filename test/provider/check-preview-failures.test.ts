/** What check() reports in `pulumi preview` beyond the input schema: credentials, and readable enum messages. */
import { describe, expect, it } from "vitest";
import { check, credentialFailures, readProviderConfig } from "../../src/provider/engine.js";

const INPUTS = {
  accountId: "0123456789abcdef0123456789abcdef",
  namespace: "tenants",
  scriptName: "acme",
  directory: "public",
  manifest: { "/index.html": "0123456789abcdef0123456789abcdef" },
  providerVersion: "0.1.0",
};

describe("credentialFailures", () => {
  it("passes with a token from stack config or the environment, without calling anything", () => {
    expect(credentialFailures({ apiToken: "token-123456" }, {})).toEqual([]);
    expect(credentialFailures({}, { CLOUDFLARE_API_TOKEN: "token-123456" })).toEqual([]);
    expect(credentialFailures({}, { CLOUDFLARE_API_KEY: "key-123456", CLOUDFLARE_EMAIL: "ops@example.com" })).toEqual([]);
  });

  it("reports missing credentials for the whole resource, naming the config keys and variables to set", () => {
    const failures = credentialFailures({}, {});
    expect(failures).toHaveLength(1);
    expect(failures[0]!.property).toBe("");
    expect(failures[0]!.reason).toMatch(/No Cloudflare credentials found/);
    expect(failures[0]!.reason).toMatch(/pulumi config set --secret cloudflare:apiToken/);
    expect(failures[0]!.reason).toMatch(/CLOUDFLARE_API_TOKEN/);
  });

  it("reports a half-set key pair and an unusable base URL", () => {
    expect(credentialFailures({}, { CLOUDFLARE_API_KEY: "key-123456" })[0]!.reason).toMatch(/CLOUDFLARE_EMAIL is not/);
    expect(credentialFailures({ apiToken: "token-123456" }, { CLOUDFLARE_API_BASE_URL: "ftp://example.test" })[0]!.reason).toMatch(
      /CLOUDFLARE_API_BASE_URL must be an http\(s\) URL/,
    );
  });
});

describe("transport settings from stack config", () => {
  const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });

  it("reads wfp-assets:* keys next to the credentials", () => {
    expect(readProviderConfig(config({ "cloudflare:apiToken": "token-123456", "wfp-assets:apiBudget": "600/300", "wfp-assets:idleTimeout": "90s" }))).toEqual({
      apiToken: "token-123456",
      transport: { apiBudget: "600/300", idleTimeout: "90s" },
    });
  });

  it("reports a bad value at preview, naming the setting, its variable and the accepted form", () => {
    const failures = credentialFailures({ apiToken: "token-123456", transport: { apiBudget: "plenty" } }, {});
    expect(failures).toHaveLength(1);
    expect(failures[0]!.reason).toMatch(/apiBudget.*must be "off" or <calls>\/<window>.*got "plenty"/);
    expect(credentialFailures({ apiToken: "token-123456" }, { WFP_ASSETS_RETRY_ATTEMPTS: "many" })[0]!.reason).toMatch(/WFP_ASSETS_RETRY_ATTEMPTS/);
  });
});

describe("check: enum messages", () => {
  it("names the value given and the values allowed", () => {
    const result = check({ ...INPUTS, assetConfig: { htmlHandling: "trailing-slash", notFoundHandling: "spa" } });
    expect(result.failures).toEqual([
      {
        property: "assetConfig.htmlHandling",
        reason: 'htmlHandling "trailing-slash" is not supported; use one of "auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"',
      },
      {
        property: "assetConfig.notFoundHandling",
        reason: 'notFoundHandling "spa" is not supported; use one of "none", "404-page", "single-page-application"',
      },
    ]);
  });
});
