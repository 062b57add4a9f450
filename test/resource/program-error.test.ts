import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ManifestError } from "../../src/manifest/index.js";
import { UserWorkerAssetsInputError } from "../../src/resource/prepare.js";
import { asProgramError, preparing } from "../../src/resource/program-error.js";

describe("asProgramError", () => {
  it("turns input errors into RunErrors (printed as their message) that name the resource", () => {
    for (const error of [new ManifestError("empty-directory", "Asset directory /x has no files to upload."), new UserWorkerAssetsInputError("worker.mainModule is required")]) {
      const converted = asProgramError("acme", error);
      expect(pulumi.RunError.isInstance(converted)).toBe(true);
      expect((converted as Error).message).toBe(`UserWorkerAssets "acme": ${error.message}`);
    }
  });

  it("leaves anything else alone, so bugs keep their stack", () => {
    const bug = new TypeError("cannot read properties of undefined");
    expect(asProgramError("acme", bug)).toBe(bug);
  });
});

describe("preparing", () => {
  it("passes results through and converts input errors", async () => {
    await expect(preparing("acme", async () => 42)).resolves.toBe(42);
    const failed = preparing("acme", async () => {
      throw new ManifestError("directory-missing", "Asset directory /x does not exist.");
    });
    await expect(failed).rejects.toSatisfy((error: unknown) => pulumi.RunError.isInstance(error));
    await expect(failed).rejects.toThrow('UserWorkerAssets "acme": Asset directory /x does not exist.');
  });
});
