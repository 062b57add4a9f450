import { describe, expect, it } from "vitest";
import { manifestDigest } from "../../src/manifest/index.js";
import { manifestEntries, manifestInputChars, manifestInputSchema, manifestTextDigest } from "../../src/provider/manifest-entries.js";
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

  // The digest is read off the text when its keys ascend (the program's form), and parsed otherwise: either way it is
  // manifestDigest of the entries, which is what state and `wfp-assets manifest` hold.
  it.each([
    ["the program's form (keys ascending)", JSON.stringify({ "/a.html": A, "/b/c.css": B, "/b/d.js": A })],
    ["keys out of order", JSON.stringify({ "/z.html": A, "/a.html": B })],
    ["a duplicate key (the last one counts)", `{"/a":"${A}","/a":"${B}"}`],
    ["whitespace between the tokens", ` {\n "/a" : "${A}" ,\t"/b":"${B}" }\n`],
    ["escaped and non-ASCII paths", `{"/caf\\u00e9.html":"${A}","/d\\/e.txt":"${B}","/\u00fcber/\u{1F600}.png":"${A}"}`],
    ["an escaped path that sorts before its neighbour only once decoded", `{"/b":"${A}","/\\u0061":"${B}"}`],
    ["no entries", "{}"],
    ["a value that is not a string", `{"/a":1}`],
  ])("digests %s as manifestDigest of its entries", (_what, text) => {
    expect(manifestTextDigest(text)).toBe(manifestDigest(JSON.parse(text) as Record<string, string>));
  });

  it("digests 100,000 entries in the program's order as their map does", () => {
    const map: Record<string, string> = {};
    for (let i = 0; i < 100_000; i++) map[`/section-${String(i % 500).padStart(3, "0")}/page-${i}.html`] = i % 2 ? A : B;
    const sorted = Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const text = JSON.stringify(sorted);
    expect(manifestTextDigest(text)).toBe(manifestDigest(map));
    expect(manifestInputChars({ manifest: text })).toBe(text.length);
  });

  it("fails on text that is not JSON as parsing does", () => {
    expect(() => manifestTextDigest(`{"/a":"${A}"`)).toThrow(SyntaxError);
    expect(() => manifestTextDigest(`{"/a":"${A}"} x`)).toThrow(SyntaxError);
  });
});
