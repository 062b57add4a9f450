/**
 * The expectations are as strict as Cloudflare's documented schema: an undocumented field, a missing required one,
 * a wrong type or a refusal without the error envelope is a finding, named by its field.
 */
import { describe, expect, it } from "vitest";
import { ContractFailure, errorProblems, expectResult } from "../../src/contract/expect.js";
import type { Reply } from "../../src/contract/http.js";
import { namespaceScriptSchema, putAnswerSchema, sessionSchema } from "../../src/contract/schemas.js";

const reply = (status: number, json: unknown): Reply => ({ status, headers: {}, json, text: JSON.stringify(json), serverNowSeconds: 0 });
const ok = (result: unknown) => reply(200, { success: true, errors: [], messages: [], result });

function failureOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ContractFailure) return err.problems;
    throw err;
  }
  throw new Error("expected a ContractFailure");
}

describe("expectResult", () => {
  it("returns the result of a documented answer", () => {
    expect(expectResult(ok({ jwt: "a.b.c", buckets: [["h"]] }), sessionSchema, "session")).toEqual({ jwt: "a.b.c", buckets: [["h"]] });
    expect(expectResult(ok({ startup_time_ms: 0 }), putAnswerSchema, "PUT")).toEqual({ startup_time_ms: 0 });
  });

  it("names an undocumented field, a missing required one and a wrong type", () => {
    expect(failureOf(() => expectResult(ok({ jwt: "a.b.c", expires_in: 3600 }), sessionSchema, "session")).join("\n")).toMatch(/session: .*expires_in/);
    expect(failureOf(() => expectResult(ok({ id: "s" }), putAnswerSchema, "PUT")).join("\n")).toMatch(/PUT: result\.startup_time_ms/);
    expect(failureOf(() => expectResult(ok({ script: { id: "s", has_assets: "yes" } }), namespaceScriptSchema, "GET")).join("\n")).toMatch(/GET: result\.script\.has_assets/);
  });

  it("judges the envelope too: status, success, errors, and no extra top-level fields", () => {
    expect(failureOf(() => expectResult(reply(500, { success: false, errors: [{ code: 10013, message: "x" }], messages: [], result: null }), sessionSchema, "s"))[0]).toMatch(/HTTP 500/);
    expect(failureOf(() => expectResult({ ...ok({}), json: undefined, text: "<html>" }, sessionSchema, "s"))[0]).toMatch(/not JSON/);
    expect(failureOf(() => expectResult(reply(200, { success: true, errors: [], messages: [], result: {}, extra: 1 }), sessionSchema, "s")).join("\n")).toMatch(/extra/);
  });
});

describe("errorProblems", () => {
  const refusal = (codes: number[]) => reply(404, { success: false, errors: codes.map((code) => ({ code, message: "m" })), messages: [], result: null });

  it("accepts the status with the code among the errors", () => {
    expect(errorProblems(refusal([10092]), 404, 10092, "GET")).toEqual([]);
    expect(errorProblems(refusal([10007, 10092]), 404, 10092, "GET")).toEqual([]);
  });

  it("names another status, another code, or a body that is not the error envelope", () => {
    expect(errorProblems(refusal([10007]), 404, 10092, "GET")).toEqual([expect.stringMatching(/GET: error codes \[10007\], expected 10092/)]);
    expect(errorProblems(refusal([10092]), 400, 10092, "GET")).toEqual([expect.stringMatching(/HTTP 404, expected 400/)]);
    expect(errorProblems(reply(404, { success: false, errors: [], messages: [], result: null }), 404, undefined, "GET").join("\n")).toMatch(/errors/);
  });
});
