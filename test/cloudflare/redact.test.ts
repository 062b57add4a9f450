import { describe, expect, it } from "vitest";
import { redactSecrets } from "../../src/cloudflare/index.js";

describe("redactSecrets", () => {
  it("removes known secrets wherever they appear", () => {
    expect(redactSecrets("token abcdef123456 was abcdef123456", ["abcdef123456"])).toBe("token [redacted] was [redacted]");
  });

  it("removes anything JWT-shaped, even unknown ones", () => {
    const out = redactSecrets("jwt=eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.sig_-x end", []);
    expect(out).toBe("jwt=[redacted] JWT end");
  });

  it("removes bearer values and X-Auth-Key values", () => {
    expect(redactSecrets("Authorization: Bearer some.opaque-token", [])).toBe("Authorization: Bearer [redacted]");
    expect(redactSecrets("X-Auth-Key: 1234abcd", [])).toBe("X-Auth-Key: [redacted]");
  });

  it("leaves ordinary text and too-short 'secrets' alone", () => {
    expect(redactSecrets("HTTP 400: could not read content [code: 10021]", ["a", undefined])).toBe("HTTP 400: could not read content [code: 10021]");
  });
});
