/**
 * carryError / reviveError with a list of error types: a listed class comes back as itself with its checked fields,
 * the first matching type wins (a subclass listed before its base), anything else is a plain Error with its name and
 * code, and the envelope schema refuses data that does not describe an error.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { carriedErrorSchema, carryError, errorType, reviveError } from "../../src/worker-thread/index.js";

class QuotaError extends Error {
  override readonly name = "QuotaError";
  constructor(
    message: string,
    readonly limit: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
class DailyQuotaError extends QuotaError {}

const quotaFields = z.object({ limit: z.number() });
const TYPES = [
  errorType({
    type: "DailyQuotaError",
    matches: (e): e is DailyQuotaError => e instanceof DailyQuotaError,
    toFields: (e) => ({ limit: e.limit }),
    fields: quotaFields,
    rebuild: (message, { limit }, cause) => new DailyQuotaError(message, limit, { cause }),
  }),
  errorType({
    type: "QuotaError",
    matches: (e): e is QuotaError => e instanceof QuotaError,
    toFields: (e) => ({ limit: e.limit }),
    fields: quotaFields,
    rebuild: (message, { limit }, cause) => new QuotaError(message, limit, { cause }),
  }),
];

const across = (error: unknown): Error => reviveError(carriedErrorSchema.parse(structuredClone(carryError(error, TYPES))), TYPES);

describe("carried errors", () => {
  it("a listed class comes back as itself, subclass first, with fields, stack and cause chain", () => {
    const root = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const original = new DailyQuotaError("over the daily quota", 5, { cause: new QuotaError("over", 5, { cause: root }) });
    const back = across(original);
    expect(back).toBeInstanceOf(DailyQuotaError);
    expect(back).toMatchObject({ message: "over the daily quota", limit: 5, stack: original.stack });
    expect(back.cause).toBeInstanceOf(QuotaError);
    expect(back.cause).not.toBeInstanceOf(DailyQuotaError);
    expect((back.cause as Error).cause).toMatchObject({ message: "socket hang up", code: "ECONNRESET" });
  });

  it("anything else is an Error with the same name, message and code; a thrown non-error becomes its text", () => {
    const back = across(Object.assign(new TypeError("bad thing"), { code: "ERR_BAD" }));
    expect(back).not.toBeInstanceOf(TypeError);
    expect(back).toMatchObject({ name: "TypeError", message: "bad thing", code: "ERR_BAD" });
    expect(across(42)).toMatchObject({ name: "Error", message: "42" });
  });

  it("cuts a cause cycle instead of looping", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    let depth = 0;
    for (let e: unknown = across(a); e instanceof Error; e = e.cause) depth++;
    expect(depth).toBe(5);
  });

  it("fields that do not check rebuild a plain Error; the envelope refuses what is not an error", () => {
    const data = carryError(new QuotaError("over", 5), TYPES);
    expect(reviveError({ ...data, fields: { limit: "five" } }, TYPES)).not.toBeInstanceOf(QuotaError);
    expect(carriedErrorSchema.safeParse({ message: "x" }).success).toBe(false);
    expect(carriedErrorSchema.safeParse({ name: "E", message: "x", cause: { name: 1 } }).success).toBe(false);
  });
});
