import { describe, expect, it } from "vitest";
import {
  CloudflareConfigError,
  DEFAULT_BASE_URL,
  MissingCredentialsError,
  normalizeBaseUrl,
  resolveCloudflareConfig,
} from "../../src/cloudflare/index.js";

describe("resolveCloudflareConfig: base URL", () => {
  const token = { CLOUDFLARE_API_TOKEN: "token-123456" };

  it("defaults to the public API", () => {
    expect(resolveCloudflareConfig({ env: token }).baseUrl).toBe(DEFAULT_BASE_URL);
  });

  it("reads CLOUDFLARE_API_BASE_URL, then the deprecated CF_API_BASE_URL, and strips trailing slashes", () => {
    expect(resolveCloudflareConfig({ env: { ...token, CLOUDFLARE_API_BASE_URL: "http://127.0.0.1:8787/client/v4/" } }).baseUrl).toBe(
      "http://127.0.0.1:8787/client/v4",
    );
    expect(resolveCloudflareConfig({ env: { ...token, CF_API_BASE_URL: "http://localhost:9000/client/v4//" } }).baseUrl).toBe(
      "http://localhost:9000/client/v4",
    );
    expect(
      resolveCloudflareConfig({
        env: { ...token, CLOUDFLARE_API_BASE_URL: "http://a.test/client/v4", CF_API_BASE_URL: "http://b.test/client/v4" },
      }).baseUrl,
    ).toBe("http://a.test/client/v4");
  });

  it("lets an explicit override win over the environment; empty values count as unset", () => {
    const env = { ...token, CLOUDFLARE_API_BASE_URL: "http://env.test/client/v4" };
    expect(resolveCloudflareConfig({ env, overrides: { baseUrl: "https://override.test/client/v4" } }).baseUrl).toBe(
      "https://override.test/client/v4",
    );
    expect(resolveCloudflareConfig({ env: { ...token, CLOUDFLARE_API_BASE_URL: "" } }).baseUrl).toBe(DEFAULT_BASE_URL);
  });

  it("rejects a non-http(s) or unparsable URL with an error naming the variable", () => {
    const bad = (value: string, variable = "CLOUDFLARE_API_BASE_URL") => {
      try {
        resolveCloudflareConfig({ env: { ...token, [variable]: value } });
      } catch (error) {
        expect(error).toBeInstanceOf(CloudflareConfigError);
        expect((error as CloudflareConfigError).message).toContain(variable);
        return (error as CloudflareConfigError).message;
      }
      throw new Error(`accepted ${value}`);
    };
    expect(bad("ftp://example.test/client/v4")).toContain("http(s)");
    expect(bad("localhost:8787/client/v4")).toContain("http(s)");
    expect(bad("127.0.0.1:8787/client/v4")).toContain("not a valid URL");
    expect(bad("not a url")).toContain("not a valid URL");
    expect(bad("http://x.test/client/v4?a=1")).toContain("query");
    expect(bad("nope", "CF_API_BASE_URL")).toContain("CF_API_BASE_URL");
  });

  it("keeps a root base URL without a trailing slash", () => {
    expect(normalizeBaseUrl("http://127.0.0.1:1234/", "x")).toBe("http://127.0.0.1:1234");
  });
});

describe("resolveCloudflareConfig: credentials", () => {
  it("prefers explicit overrides, then CLOUDFLARE_API_TOKEN, then key + email", () => {
    const env = { CLOUDFLARE_API_TOKEN: "env-token-1", CLOUDFLARE_API_KEY: "env-key-1", CLOUDFLARE_EMAIL: "env@example.com" };
    expect(resolveCloudflareConfig({ env, overrides: { apiToken: "override-token" } }).credentials).toEqual({ apiToken: "override-token" });
    expect(resolveCloudflareConfig({ env, overrides: { apiKey: "ok-key", email: "o@example.com" } }).credentials).toEqual({
      apiKey: "ok-key",
      email: "o@example.com",
    });
    expect(resolveCloudflareConfig({ env }).credentials).toEqual({ apiToken: "env-token-1" });
    expect(resolveCloudflareConfig({ env: { CLOUDFLARE_API_KEY: "env-key-1", CLOUDFLARE_EMAIL: "env@example.com" } }).credentials).toEqual({
      apiKey: "env-key-1",
      email: "env@example.com",
    });
  });

  it("trims surrounding whitespace (tokens pasted with a newline)", () => {
    expect(resolveCloudflareConfig({ env: { CLOUDFLARE_API_TOKEN: "  token-abc\n" } }).credentials).toEqual({ apiToken: "token-abc" });
  });

  it("rejects whitespace inside a credential without echoing it", () => {
    expect(() => resolveCloudflareConfig({ env: { CLOUDFLARE_API_TOKEN: "token with-space" } })).toThrow(CloudflareConfigError);
    try {
      resolveCloudflareConfig({ env: { CLOUDFLARE_API_TOKEN: "secretpart\nsecondline" } });
    } catch (error) {
      expect((error as Error).message).toContain("CLOUDFLARE_API_TOKEN");
      expect((error as Error).message).not.toContain("secretpart");
    }
  });

  it("explains exactly what to set when nothing is set", () => {
    const call = () => resolveCloudflareConfig({ env: { CLOUDFLARE_API_TOKEN: "", HOME: "/root" } });
    expect(call).toThrow(MissingCredentialsError);
    expect(call).toThrow(/`cloudflare:apiToken`/);
    expect(call).toThrow(/CLOUDFLARE_API_TOKEN/);
    expect(call).toThrow(/`cloudflare:apiKey` and `cloudflare:email`/);
    expect(call).toThrow(/CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL/);
  });

  it("treats a key without an email (or the reverse) as a clear error", () => {
    expect(() => resolveCloudflareConfig({ env: { CLOUDFLARE_API_KEY: "k-123456" } })).toThrow(
      /CLOUDFLARE_API_KEY is set but CLOUDFLARE_EMAIL is not/,
    );
    expect(() => resolveCloudflareConfig({ env: { CLOUDFLARE_EMAIL: "a@example.com" } })).toThrow(
      /CLOUDFLARE_EMAIL is set but CLOUDFLARE_API_KEY is not/,
    );
    expect(() => resolveCloudflareConfig({ env: {}, overrides: { apiKey: "k-123456" } })).toThrow(
      /`cloudflare:apiKey` is set but `cloudflare:email` is not/,
    );
    expect(() => resolveCloudflareConfig({ env: { CLOUDFLARE_API_KEY: "k-123456", CLOUDFLARE_EMAIL: "a@example.com" }, overrides: { email: "b@example.com" } })).toThrow(
      /`cloudflare:email` is set but `cloudflare:apiKey` is not/,
    );
  });

  it("lets a token win over a half-set key pair", () => {
    expect(resolveCloudflareConfig({ env: { CLOUDFLARE_API_TOKEN: "tok-1", CLOUDFLARE_API_KEY: "k-1" } }).credentials).toEqual({ apiToken: "tok-1" });
  });
});
