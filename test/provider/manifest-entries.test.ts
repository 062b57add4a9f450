import { describe, expect, it } from "vitest";
import { manifestEntries, manifestInputSchema } from "../../src/provider/manifest-entries.js";
import { check, manifestInputDigest } from "../../src/provider/plan.js";

const A = "0123456789abcdef0123456789abcdef";
const B = "fedcba9876543210fedcba9876543210";

describe("the manifest input", () => {
  it("is JSON text from the program, or a map in state written by earlier versions, with one digest for both", () => {
    const map = { "/index.html": A, "/app.js": B };
    const text = JSON.stringify(map);
    expect(manifestInputSchema.parse(text)).toBe(text);
    expect(manifestInputSchema.parse(map)).toEqual(map);
    expect(manifestEntries(text)).toEqual(map);
    expect(manifestInputDigest(text)).toBe(manifestInputDigest(map));
  });

  it.each([
    ["not JSON", "{nope", /manifest is not JSON/],
    ["a key without a slash", JSON.stringify({ "index.html": A }), /manifest keys start with \//],
    ["a short hash", JSON.stringify({ "/index.html": "abc" }), /32 hex characters/],
    ["a list", JSON.stringify([A]), /expected record/i],
  ])("refuses %s, naming the problem", (_what, text, message) => {
    const parsed = manifestInputSchema.safeParse(text);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.message).join("\n")).toMatch(message);
  });

  it("comes back from check as the text it was, which Pulumi then stores", () => {
    const text = JSON.stringify({ "/index.html": A });
    const result = check({ accountId: A, namespace: "tenants", scriptName: "acme", directory: "site", manifest: text, providerVersion: "t" });
    expect(result.failures).toEqual([]);
    expect(result.inputs!.manifest).toBe(text);
  });
});
