import { describe, expect, it } from "vitest";
import { packageConfigReader } from "../../packages/pulumi-wfp-assets-components/src/config.js";
import { readProviderConfig } from "../../src/provider/settings.js";

describe("the component package's provider config", () => {
  it("gives the library's provider the package's own stack config: credentials and transport settings", () => {
    const reader = packageConfigReader(
      new Map([
        ["wfp-assets:config:apiToken", "tok"],
        ["wfp-assets:config:baseUrl", "http://127.0.0.1:1/client/v4"],
        ["wfp-assets:config:apiBudget", "600/300"],
      ]),
    );
    expect(readProviderConfig(reader)).toEqual({ apiToken: "tok", baseUrl: "http://127.0.0.1:1/client/v4", transport: { apiBudget: "600/300" } });
  });

  it("reads nothing from other namespaces and nothing that is not set", () => {
    const reader = packageConfigReader(new Map([["cloudflare:config:apiToken", "other package's"]]));
    expect(reader.get("cloudflare:apiToken")).toBeUndefined();
    expect(reader.get("aws:region")).toBeUndefined();
    expect(reader.get("no-namespace")).toBeUndefined();
  });
});
