/** The pure orphan decisions (src/deploy/orphans.ts). */
import { describe, expect, it } from "vitest";
import { decideOrphanDelete, describeOrphans, findOrphans } from "../../src/deploy/orphans.js";
import type { LiveScript } from "../../src/deploy/index.js";

const OWNER = "platform/prod";
const live = (modifiedOn: string, tags: string[] = [`wfp-owner=${OWNER}`]): LiveScript =>
  ({ id: "x", etag: "e", createdOn: "2026-01-01T00:00:00Z", modifiedOn, hasAssets: true, hasModules: false, tags }) as LiveScript;

describe("findOrphans", () => {
  it("keeps the owned scripts nobody declares, by name, with the listing's modified_on", () => {
    const owned = [
      { id: "zeta", modifiedOn: "2026-12-01T00:00:00Z" },
      { id: "alpha", modifiedOn: "2026-12-02T00:00:00Z" },
      { id: "beta", modifiedOn: "2026-12-03T00:00:00Z" },
    ];
    expect(findOrphans(owned, ["beta"])).toEqual([
      { name: "alpha", modifiedOn: "2026-12-02T00:00:00Z" },
      { name: "zeta", modifiedOn: "2026-12-01T00:00:00Z" },
    ]);
    expect(findOrphans(owned, ["alpha", "beta", "zeta", "other"])).toEqual([]);
  });
});

describe("decideOrphanDelete", () => {
  const orphan = { name: "acme", modifiedOn: "2026-12-07T10:00:00Z" };

  it("deletes a script still as listed (the same instant, however formatted)", () => {
    expect(decideOrphanDelete(orphan, live("2026-12-07T10:00:00.000Z"), OWNER)).toEqual({ kind: "delete" });
  });

  it("leaves a script deployed again since the listing, naming both times", () => {
    const decision = decideOrphanDelete(orphan, live("2026-12-07T10:05:00Z"), OWNER);
    expect(decision).toMatchObject({ kind: "leave" });
    expect(decision.kind === "leave" && decision.reason).toMatch(/deployed again since the listing \(modified_on 2026-12-07T10:00:00Z → 2026-12-07T10:05:00Z\)/);
  });

  it("leaves a script that changed hands or lost its owner tag, and reports one already gone", () => {
    expect(decideOrphanDelete(orphan, live(orphan.modifiedOn, ["wfp-owner=platform/staging"]), OWNER)).toEqual({ kind: "leave", reason: 'it now belongs to the stack "platform/staging"' });
    expect(decideOrphanDelete(orphan, live(orphan.modifiedOn, []), OWNER)).toEqual({ kind: "leave", reason: "it no longer carries an owner tag" });
    expect(decideOrphanDelete(orphan, undefined, OWNER)).toEqual({ kind: "gone" });
  });

  it("never deletes when the listing gave no modified_on to compare", () => {
    expect(decideOrphanDelete({ name: "acme", modifiedOn: undefined }, live("2026-12-07T10:00:00Z"), OWNER).kind).toBe("leave");
  });
});

describe("describeOrphans", () => {
  it("names each orphan with its time, and counts the rest past the limit", () => {
    const orphans = ["a", "b", "c"].map((name) => ({ name, modifiedOn: "2026-12-07T10:00:00Z" }));
    expect(describeOrphans(orphans, 2)).toBe("a (modified 2026-12-07T10:00:00Z), b (modified 2026-12-07T10:00:00Z), and 1 more");
  });
});
