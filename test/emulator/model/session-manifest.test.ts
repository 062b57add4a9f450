import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/emulator/protocol/envelope.js";
import { validateSessionManifest } from "../../../src/emulator/model/session-manifest.js";

const limits = { maxFiles: 3, maxAssetBytes: 25 * 1024 * 1024 };
const HASH = "0de3dd5df907418e9730fd2bd747bd5e";

function errorOf(body: unknown): ApiError {
  try {
    validateSessionManifest(body, limits);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected a validation error");
}

describe("validateSessionManifest", () => {
  it("returns entries with hashes folded to lower case", () => {
    const m = validateSessionManifest({ manifest: { "/a.txt": { hash: HASH.toUpperCase(), size: 17 } } }, limits);
    expect([...m]).toEqual([["/a.txt", { hash: HASH, size: 17 }]]);
  });

  it.each([
    ["a missing manifest", {}, 10308],
    ["a key without a leading slash", { manifest: { "a.txt": { hash: HASH, size: 1 } } }, 10304],
    ["a short hash", { manifest: { "/a": { hash: "abc", size: 1 } } }, 10305],
    ["a non-hex hash", { manifest: { "/a": { hash: "z".repeat(32), size: 1 } } }, 10305],
    ["a fractional size", { manifest: { "/a": { hash: HASH, size: 1.5 } } }, 10308],
    ["a negative size", { manifest: { "/a": { hash: HASH, size: -1 } } }, 10308],
    ["a size over 25 MiB", { manifest: { "/a": { hash: HASH, size: 25 * 1024 * 1024 + 1 } } }, 10306],
    ["too many entries", { manifest: Object.fromEntries([1, 2, 3, 4].map((i) => [`/${i}`, { hash: HASH, size: 1 }])) }, 10307],
    ["one hash with two sizes", { manifest: { "/a": { hash: HASH, size: 1 }, "/b": { hash: HASH, size: 2 } } }, 10309],
  ])("rejects %s with 400", (_label, body, code) => {
    const err = errorOf(body);
    expect(err.status).toBe(400);
    expect(err.errors[0]!.code).toBe(code);
  });

  it("accepts exactly 25 MiB and exactly the file limit", () => {
    const body = { manifest: { "/a": { hash: HASH, size: 25 * 1024 * 1024 }, "/b": { hash: "1".repeat(32), size: 0 }, "/c": { hash: HASH, size: 25 * 1024 * 1024 } } };
    expect(validateSessionManifest(body, limits).size).toBe(3);
  });

  it("reports every bad entry in one envelope", () => {
    const err = errorOf({ manifest: { a: { hash: HASH, size: 1 }, "/b": { hash: "x", size: 1 } } });
    expect(err.errors.map((e) => e.code)).toEqual([10304, 10305]);
    expect(err.errors[0]!.message).toContain('"a"');
  });
});
