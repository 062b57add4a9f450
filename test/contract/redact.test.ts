/** What a recording may not carry, on exchanges built by hand (record.test.ts checks a real run's files). */
import { describe, expect, it } from "vitest";
import type { Exchange } from "../../src/contract/exchange.js";
import { ACCOUNT_PLACEHOLDER, REDACTED_EMAIL, REDACTED_JWT, REDACTED_TOKEN, redactExchange } from "../../src/contract/redact.js";

const TOKEN = "Zq3_abcdefghijklmnopqrstuvwxyz0123456789";
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3OTk5OTk5OTl9.c2lnbmF0dXJlLWJ5dGVz";
const context = { token: TOKEN, accountId: ACCOUNT, names: { "wfp-contract-1a2b3c4d": "{namespace}", "1a2b3c4d": "{run}" } };

function exchange(): Exchange {
  return {
    seq: 7,
    check: "script-put-code",
    method: "PUT",
    path: `/accounts/${ACCOUNT}/workers/dispatch/namespaces/wfp-contract-1a2b3c4d/scripts/contract-code`,
    auth: "api-token",
    request: {
      contentType: "multipart/form-data",
      parts: [{ name: "metadata", size: 10, text: JSON.stringify({ tags: ["wfp-owner=contract/1a2b3c4d"], assets: { jwt: JWT } }) }],
    },
    response: {
      status: 400,
      headers: { "content-type": "application/json", "cf-ray": "8f00aa-FRA" },
      json: {
        success: false,
        errors: [{ code: 10021, message: `token ${TOKEN} with Bearer ${JWT} is not allowed for ops@example.com` }],
        messages: [],
        result: { jwt: "not even a JWT shape", created_by: "ops@example.com", nested: [{ account: ACCOUNT }] },
      },
    },
    ms: 12,
  };
}

describe("redactExchange", () => {
  const safe = redactExchange(exchange(), context);
  const text = JSON.stringify(safe);

  it("leaves no token, JWT, e-mail, account id or run name anywhere", () => {
    for (const secret of [TOKEN, JWT, "eyJ", "ops@example.com", ACCOUNT, "1a2b3c4d"]) expect(text).not.toContain(secret);
  });

  it("puts placeholders where they were, so two recordings diff line by line", () => {
    expect(safe.path).toBe(`/accounts/${ACCOUNT_PLACEHOLDER}/workers/dispatch/namespaces/{namespace}/scripts/contract-code`);
    expect(JSON.parse(safe.request.parts![0]!.text)).toEqual({ tags: ["wfp-owner=contract/{run}"], assets: { jwt: REDACTED_JWT } });
    const body = safe.response.json as { errors: Array<{ message: string }>; result: Record<string, unknown> };
    expect(body.errors[0]!.message).toBe(`token ${REDACTED_TOKEN} with Bearer ${REDACTED_JWT} is not allowed for ${REDACTED_EMAIL}`);
    // A field named jwt is redacted whatever it holds.
    expect(body.result).toEqual({ jwt: REDACTED_JWT, created_by: REDACTED_EMAIL, nested: [{ account: ACCOUNT_PLACEHOLDER }] });
  });

  it("keeps what a comparison needs", () => {
    expect(safe.response.status).toBe(400);
    expect(safe.response.headers).toEqual({ "content-type": "application/json", "cf-ray": "8f00aa-FRA" });
    expect((safe.response.json as { errors: Array<{ code: number }> }).errors[0]!.code).toBe(10021);
  });

  it("does not change the exchange it was given", () => {
    const original = exchange();
    redactExchange(original, context);
    expect(original).toEqual(exchange());
  });
});
