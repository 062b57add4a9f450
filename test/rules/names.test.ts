import { describe, expect, it } from "vitest";
import { accountIdSchema, compatibilityDateSchema, namespaceNameSchema, scriptNameSchema } from "../../src/rules/index.js";

const validators = { accountId: accountIdSchema, scriptName: scriptNameSchema, namespaceName: namespaceNameSchema, compatibilityDate: compatibilityDateSchema() };

function firstMessage(result: { success: boolean; error?: { issues: { message: string }[] } }): string | undefined {
  return result.success ? undefined : result.error?.issues[0]?.message;
}

describe("validators.accountId", () => {
  it("accepts 32 lowercase hex characters only", () => {
    expect(validators.accountId.safeParse("0123456789abcdef0123456789abcdef").success).toBe(true);
    for (const bad of ["0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef", "0123456789abcdef0123456789abcdeg", "", " 0123456789abcdef0123456789abcdef"]) {
      const result = validators.accountId.safeParse(bad);
      expect(result.success, bad).toBe(false);
      expect(firstMessage(result)).toContain("32 lowercase hex");
    }
    expect(validators.accountId.safeParse(123).success).toBe(false);
  });
});

describe.each([
  ["scriptName", "Worker script name"],
  ["namespaceName", "Dispatch namespace name"],
] as const)("validators.%s", (key, label) => {
  const schema = validators[key];

  it("accepts lowercase letters, digits, - and _ within the rules", () => {
    for (const good of ["site", "a", "7", "tenant-42", "my_site", "_internal", "this-is_my_script-01", "a".repeat(63)]) {
      expect(schema.safeParse(good).success, good).toBe(true);
    }
  });

  it("rejects names Cloudflare would refuse, with a message naming the rule", () => {
    const cases: [string, string][] = [
      ["", "must not be empty"],
      ["a".repeat(64), "at most 63"],
      ["Site", "lowercase"],
      ["-site", "must not start with"],
      ["site-", "end with a letter or digit"],
      ["site_", "end with a letter or digit"],
      ["my.site", "lowercase letters"],
      ["my site", "lowercase letters"],
      ["../x", "lowercase letters"],
    ];
    for (const [bad, expected] of cases) {
      const result = schema.safeParse(bad);
      expect(result.success, bad).toBe(false);
      const message = firstMessage(result)!;
      expect(message).toContain(label);
      expect(message).toContain(expected);
    }
  });
});

describe("validators.compatibilityDate", () => {
  const fixedNow = Date.parse("2026-03-10T12:00:00Z");
  const schema = compatibilityDateSchema(() => fixedNow);

  it("accepts real dates up to tomorrow (UTC)", () => {
    for (const good of ["2021-11-03", "2024-02-29", "2026-03-10", "2026-03-11"]) expect(schema.safeParse(good).success, good).toBe(true);
  });

  it("rejects malformed, impossible and future dates", () => {
    expect(firstMessage(schema.safeParse("2026-3-1"))).toContain("YYYY-MM-DD");
    expect(firstMessage(schema.safeParse("2025/06/01"))).toContain("YYYY-MM-DD");
    expect(firstMessage(schema.safeParse("2025-02-29"))).toContain("real calendar date");
    expect(firstMessage(schema.safeParse("2025-13-01"))).toContain("real calendar date");
    expect(firstMessage(schema.safeParse("2025-04-31"))).toContain("real calendar date");
    expect(firstMessage(schema.safeParse("2026-03-12"))).toContain("future");
  });

  it("the shared validator uses the current clock", () => {
    const today = new Date().toISOString().slice(0, 10);
    expect(validators.compatibilityDate.safeParse(today).success).toBe(true);
    expect(validators.compatibilityDate.safeParse("2999-01-01").success).toBe(false);
  });
});
