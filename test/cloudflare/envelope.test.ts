import { describe, expect, it } from "vitest";
import { z } from "zod";
import { interpretResponse } from "../../src/cloudflare/index.js";

const schema = z.looseObject({ id: z.string() });
const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({ status, headers, body: JSON.stringify(body) });

describe("interpretResponse", () => {
  it("returns the parsed result and result_info", () => {
    const outcome = interpretResponse(json(200, { success: true, errors: [], messages: [], result: { id: "x" }, result_info: { page: 1 } }), { schema });
    expect(outcome).toEqual({ ok: true, result: { id: "x" }, resultInfo: { page: 1 } });
  });

  it("collects codes and messages, including error_chain and numeric-string codes", () => {
    const outcome = interpretResponse(
      json(400, {
        success: false,
        errors: [{ code: 10021, message: "validation", error_chain: [{ code: "10022", message: "inner" }] }, "plain text"],
        messages: [],
        result: null,
      }),
      { schema },
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failure).toMatchObject({ kind: "http", status: 400, codes: [10021, 10022], apiMessages: ["validation", "inner", "plain text"], retryable: false });
    expect(outcome.failure.detail).toBe("HTTP 400: validation [code: 10021]; inner [code: 10022]; plain text");
  });

  it("passes Retry-After along only for retryable statuses", () => {
    const limited = interpretResponse(json(429, { success: false, errors: [], result: null }, { "retry-after": "3" }), { schema });
    expect(!limited.ok && limited.failure).toMatchObject({ retryAfterMs: 3000, reason: "HTTP 429 (Retry-After 3s)", retryable: true });
    const forbidden = interpretResponse(json(403, { success: false, errors: [], result: null }, { "retry-after": "3" }), { schema });
    expect(!forbidden.ok && forbidden.failure.retryAfterMs).toBeUndefined();
  });

  it("flags a WAF challenge as non-retryable with a hint", () => {
    const outcome = interpretResponse({ status: 403, headers: { "cf-mitigated": "challenge", "content-type": "text/html" }, body: "<html>challenge</html>" }, { schema });
    expect(!outcome.ok && outcome.failure).toMatchObject({ kind: "malformed", retryable: false });
    expect(!outcome.ok && outcome.failure.detail).toContain("cf-mitigated: challenge");
  });

  it("names an empty body instead of calling it non-JSON", () => {
    const outcome = interpretResponse({ status: 502, headers: {}, body: "" }, { schema });
    expect(!outcome.ok && outcome.failure).toMatchObject({ kind: "malformed", retryable: true, reason: "HTTP 502 (empty body)" });
  });

  it("lets a schema that accepts nothing take a null result, and 205 counts as empty success", () => {
    expect(interpretResponse(json(200, { success: true, errors: [], result: null }), { schema: schema.nullable() })).toEqual({ ok: true, result: null });
    expect(interpretResponse({ status: 205, headers: {}, body: "" }, { schema, allowNullResult: true })).toEqual({ ok: true, result: null });
  });

  it("treats success:true with an error status as a failure", () => {
    const outcome = interpretResponse(json(500, { success: true, errors: [], result: { id: "x" } }), { schema });
    expect(!outcome.ok && outcome.failure).toMatchObject({ kind: "http", status: 500, retryable: true });
  });
});
