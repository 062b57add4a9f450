import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidDeployRequestError, validateDeployRequest } from "../../src/deploy/index.js";
import { check } from "../../src/provider/engine.js";
import {
  assetConfigSchema,
  bindingsSchema,
  checkScriptName,
  describeIssues,
  runWorkerFirstSchema,
  userTagsSchema,
  workerSettingsShape,
  checkWorkerSettings,
} from "../../src/rules/index.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const problems = (schema: z.ZodType, value: unknown): string[] => {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : describeIssues(parsed.error.issues);
};

describe("asset config", () => {
  it("names the bad value and the allowed ones", () => {
    expect(problems(assetConfigSchema, { htmlHandling: "sometimes" })).toEqual([
      'htmlHandling: htmlHandling "sometimes" is not supported; use one of "auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"',
    ]);
    expect(problems(assetConfigSchema, { notFoundHandling: "spa" })[0]).toMatch(/"single-page-application"/);
    expect(problems(assetConfigSchema, { colour: "red" })[0]).toMatch(/colour/);
  });

  it("runWorkerFirst: booleans, or rules with at least one positive rule", () => {
    expect(problems(runWorkerFirstSchema, true)).toEqual([]);
    expect(problems(runWorkerFirstSchema, ["/api/*", "!/api/docs/*"])).toEqual([]);
    expect(problems(runWorkerFirstSchema, ["api/*"]).join()).toMatch(/start with "\/" or "!\/"/);
    expect(problems(runWorkerFirstSchema, ["!/api/*"]).join()).toMatch(/at least one positive rule/);
  });
});

describe("worker settings", () => {
  const worker = z.object(workerSettingsShape).superRefine((w, ctx) => checkWorkerSettings(w, ctx));

  it("refuses duplicate binding names, an assets-typed binding and a clashing assets binding", () => {
    expect(problems(bindingsSchema, [{ type: "plain_text", name: "A" }, { type: "json", name: "A" }]).join()).toMatch(/two bindings are named "A"/);
    expect(problems(bindingsSchema, [{ type: "assets", name: "ASSETS" }]).join()).toMatch(/declare the assets binding with assetsBinding/);
    expect(problems(worker, { bindings: [{ type: "plain_text", name: "ASSETS" }], assetsBinding: "ASSETS" }).join()).toMatch(/clashes with a binding/);
    expect(problems(worker, { assetsBinding: "my-assets" }).join()).toMatch(/JavaScript identifier/);
  });
});

describe("tags", () => {
  it("leaves one of Cloudflare's 8 slots to the owner marker and reserves its prefix", () => {
    expect(problems(userTagsSchema, Array.from({ length: 7 }, (_, i) => `t${i}`))).toEqual([]);
    expect(problems(userTagsSchema, Array.from({ length: 8 }, (_, i) => `t${i}`)).join()).toMatch(/at most 7 tags/);
    expect(problems(userTagsSchema, ["wfp-owner=a/b"]).join()).toMatch(/reserved for the owner marker/);
  });
});

describe("one rule, every entry point", () => {
  it("a bad script name fails the provider's check and the library's validation with the same words", () => {
    const expected = checkScriptName("Bad Name");
    expect(expected).toMatch(/may contain only lowercase letters/);
    const failures = check({ accountId: ACCOUNT, scriptName: "Bad Name", directory: "public", manifest: {}, providerVersion: "1" }).failures;
    expect(failures).toEqual([{ property: "scriptName", reason: expected }]);
    expect(() => validateDeployRequest({ target: { accountId: ACCOUNT, scriptName: "Bad Name" } })).toThrow(InvalidDeployRequestError);
    try {
      validateDeployRequest({ target: { accountId: ACCOUNT, scriptName: "Bad Name" } });
    } catch (error) {
      expect((error as InvalidDeployRequestError).problems).toEqual([`scriptName: ${expected}`]);
    }
  });

  it("validateDeployRequest lists every problem at once and checks the main module", () => {
    try {
      validateDeployRequest({
        target: { accountId: "nope", scriptName: "ok" },
        assetConfig: { htmlHandling: "none", runWorkerFirst: ["/api/*"] },
        worker: { mainModule: "main.js", modules: [{ name: "index.js", content: "" }] },
        tags: Array.from({ length: 9 }, (_, i) => `t${i}`),
      });
      expect.unreachable();
    } catch (error) {
      const lines = (error as InvalidDeployRequestError).problems;
      expect(lines.some((l) => l.startsWith("accountId:"))).toBe(true);
      expect(lines.some((l) => l.startsWith("tags:"))).toBe(true);
      expect(lines).toContain('worker.mainModule: "main.js" is not among the worker\'s modules ("index.js"); name one of them');
      expect((error as Error).message).toMatch(/nothing was sent/);
    }
  });
});
