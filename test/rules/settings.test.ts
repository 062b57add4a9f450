import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidDeployRequestError, validateDeployRequest } from "../../src/deploy/index.js";
import { resolveMaxFiles } from "../../src/manifest/limits.js";
import { check } from "../../src/provider/engine.js";
import { prepareWorker } from "../../src/resource/prepare.js";
import {
  assetConfigSchema,
  bindingsSchema,
  checkScriptName,
  describeIssues,
  runWorkerFirstSchema,
  userTagsSchema,
  workerSettingsShape,
  checkWorkerSettings,
  mainModuleProblem,
  maxFilesMessage,
  maxFilesSchema,
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

describe("the main module", () => {
  it("is required, and must be one of the worker's modules: one message naming the input and the fix", () => {
    expect(mainModuleProblem({ mainModule: "index.js" }, ["index.js", "lib/u.js"])).toBeUndefined();
    expect(mainModuleProblem({ mainModule: "index.js" })).toBeUndefined();
    expect(mainModuleProblem({ mainModule: "main.js" }, ["index.js", "lib/u.js"])).toBe(
      'worker.mainModule "main.js" is not one of the worker\'s modules ("index.js", "lib/u.js"); set it to one of their names, or add a module named "main.js".',
    );
    expect(mainModuleProblem({ mainModule: "main.js" }, [])).toMatch(/modules \(none\)/);
    expect(mainModuleProblem({ mainModule: "" })).toMatch(/^worker\.mainModule is required when `worker` is given.*Add it, or remove `worker`/);
    expect(mainModuleProblem({ assetsBinding: "ASSETS" })).toMatch(/^worker\.assetsBinding "ASSETS" is set but worker\.mainModule is not.*Add worker\.mainModule or remove the worker\.$/);
  });

  it("reads the same in the provider's check, the deploy library and the program", async () => {
    const expected = mainModuleProblem({ mainModule: "main.js" }, ["index.js"]);
    const worker = { mainModule: "main.js", modules: [{ name: "index.js", content: "export default {}", sha256: "0".repeat(64) }] };
    const failures = check({ accountId: ACCOUNT, scriptName: "ok", directory: "public", manifest: {}, providerVersion: "1", worker }).failures;
    expect(failures).toEqual([{ property: "worker.mainModule", reason: expected }]);
    expect(() => validateDeployRequest({ target: { accountId: ACCOUNT, scriptName: "ok" }, worker: { mainModule: "main.js", modules: [{ name: "index.js", content: "" }] } })).toThrow(
      expected,
    );
    await expect(prepareWorker({ mainModule: "main.js", modules: [{ name: "index.js", content: "" }] }, join(tmpdir(), `wfp-no-project-${randomUUID()}`))).rejects.toThrow(expected);
  });
});

describe("maxFiles", () => {
  it("has one message, naming what was given and the fix, wherever it is checked", async () => {
    const expected = maxFilesMessage(0);
    expect(expected).toMatch(/^maxFiles must be a whole number from 1 to 100,000 .*got 0\. Leave it unset for 100,000, or set 20,000 for an account-level script on the Free plan\.$/);
    expect(problems(maxFilesSchema, -1.5)).toEqual([`(settings): ${maxFilesMessage(-1.5)}`]);
    expect(check({ accountId: ACCOUNT, scriptName: "ok", directory: "public", manifest: {}, providerVersion: "1", maxFiles: 0 }).failures).toEqual([
      { property: "maxFiles", reason: expected },
    ]);
    expect(() => resolveMaxFiles(0)).toThrow(expected);
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
      expect(lines).toContain(`worker.mainModule: ${mainModuleProblem({ mainModule: "main.js" }, ["index.js"])}`);
      expect((error as Error).message).toMatch(/nothing was sent/);
    }
  });
});
