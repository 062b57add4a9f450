import { describe, expect, it } from "vitest";
import { MAX_USER_TAGS } from "../../src/rules/index.js";
import {
  decideCreate,
  decideDelete,
  decideUpdate,
  ownerOf,
  ownerTag,
  tagsWithOwner,
  type LiveScript,
} from "../../src/deploy/index.js";

const target = { accountId: "0123456789abcdef0123456789abcdef", namespace: "tenants", scriptName: "acme" };

function live(overrides: Partial<LiveScript> = {}): LiveScript {
  return {
    id: "acme",
    etag: "e1",
    createdOn: "2026-11-01T00:00:00.000Z",
    modifiedOn: "2026-11-02T00:00:00.000Z",
    hasAssets: true,
    hasModules: false,
    tags: [ownerTag("proj/dev")],
    ...overrides,
  };
}

describe("the owner marker", () => {
  it("is one tag, leaving seven for the user", () => {
    expect(ownerTag("proj/dev")).toBe("wfp-owner=proj/dev");
    expect(ownerOf(["tenant:acme", "wfp-owner=proj/dev"])).toBe("proj/dev");
    expect(ownerOf(["tenant:acme"])).toBeUndefined();
    expect(tagsWithOwner(["a"], "proj/dev")).toEqual(["a", "wfp-owner=proj/dev"]);
    expect(tagsWithOwner(undefined, undefined)).toEqual([]);
    expect(MAX_USER_TAGS).toBe(7);
  });
});

describe("decideCreate", () => {
  it("creates a script that does not exist", () => {
    expect(decideCreate(target, undefined, "proj/dev", false)).toEqual({ kind: "create" });
  });

  it("proceeds over this stack's own script (a rename or a move)", () => {
    expect(decideCreate(target, live(), "proj/dev", false)).toEqual({ kind: "same-stack" });
  });

  it("refuses another stack's script, naming the script, the owner and the way out", () => {
    const decision = decideCreate(target, live({ tags: [ownerTag("proj/prod")] }), "proj/dev", false);
    expect(decision.kind).toBe("refuse");
    const message = (decision as { message: string }).message;
    expect(message).toContain('"acme" in dispatch namespace "tenants"');
    expect(message).toContain('the Pulumi stack "proj/prod"');
    expect(message).toContain("adopt: true");
  });

  it("refuses a hand-deployed script without an owner tag", () => {
    const decision = decideCreate(target, live({ tags: [] }), "proj/dev", false);
    expect(decision).toMatchObject({ kind: "refuse" });
    expect((decision as { message: string }).message).toContain("no owner tag");
  });

  it("adopts when asked", () => {
    expect(decideCreate(target, live({ tags: [ownerTag("proj/prod")] }), "proj/dev", true)).toEqual({ kind: "adopt", previousOwner: "proj/prod" });
  });
});

describe("decideUpdate", () => {
  const owners = { previous: "proj/dev", next: "proj/dev" };

  it("updates its own script, a vanished script, or one redeployed without a tag", () => {
    expect(decideUpdate(target, live(), owners, false).kind).toBe("update");
    expect(decideUpdate(target, undefined, owners, false).kind).toBe("update");
    expect(decideUpdate(target, live({ tags: [] }), owners, false).kind).toBe("update");
  });

  it("follows a renamed stack (the tag still names the old one)", () => {
    expect(decideUpdate(target, live(), { previous: "proj/dev", next: "proj/staging" }, false).kind).toBe("update");
  });

  it("refuses to overwrite a script another stack has adopted, unless adopting it back", () => {
    const adopted = live({ tags: [ownerTag("proj/prod")] });
    const decision = decideUpdate(target, adopted, owners, false);
    expect(decision.kind).toBe("refuse");
    expect((decision as { message: string }).message).toContain('now managed by the Pulumi stack "proj/prod"');
    expect(decideUpdate(target, adopted, owners, true).kind).toBe("update");
  });
});

describe("decideDelete", () => {
  const recorded = { owner: "proj/dev", modifiedOn: "2026-11-02T00:00:00.000Z", etag: "e1" };

  it("deletes what is still as this resource left it", () => {
    expect(decideDelete(live(), recorded)).toEqual({ kind: "delete" });
  });

  it("treats a missing script as gone", () => {
    expect(decideDelete(undefined, recorded)).toEqual({ kind: "gone" });
  });

  it("leaves a script deployed again since (a rename's new resource, another stack, a person)", () => {
    const decision = decideDelete(live({ modifiedOn: "2026-11-03T00:00:00.000Z" }), recorded);
    expect(decision.kind).toBe("leave");
    expect((decision as { reason: string }).reason).toContain("deployed again since");
  });

  it("leaves a script another stack adopted, even if its timestamp matches", () => {
    expect(decideDelete(live({ tags: [ownerTag("proj/prod")] }), recorded)).toMatchObject({ kind: "leave", reason: expect.stringContaining('"proj/prod"') });
  });

  it("leaves a script whose owner tag was removed", () => {
    expect(decideDelete(live({ tags: [] }), recorded)).toMatchObject({ kind: "leave" });
  });

  it("state written before the owner marker existed: the timestamp decides", () => {
    expect(decideDelete(live({ tags: [] }), { modifiedOn: recorded.modifiedOn })).toEqual({ kind: "delete" });
    expect(decideDelete(live({ tags: [], modifiedOn: "2026-11-05T00:00:00.000Z" }), { modifiedOn: recorded.modifiedOn }).kind).toBe("leave");
  });

  it("without timestamps, falls back to the etag", () => {
    expect(decideDelete(live({ modifiedOn: "" }), { ...recorded, modifiedOn: "" })).toEqual({ kind: "delete" });
    expect(decideDelete(live({ modifiedOn: "", etag: "e2" }), { ...recorded, modifiedOn: "" }).kind).toBe("leave");
  });
});

describe("shards of one fleet hand tenants over (either `up` first)", () => {
  const shardTwo = "platform/shard-2";
  const shardOneScript = live({ tags: [ownerTag("platform/shard-1")] });

  it("the new shard's create takes the tenant over from another stack of its project", () => {
    expect(decideCreate(target, shardOneScript, shardTwo, false, true)).toEqual({ kind: "handover", previousOwner: "platform/shard-1" });
    // The one stack a fleet was split from is a stack of the same project too.
    expect(decideCreate(target, live({ tags: [ownerTag("platform/prod")] }), shardTwo, false, true)).toMatchObject({ kind: "handover" });
  });

  it("takes nothing over from another project, a hand deploy, or as a stack that is no shard", () => {
    expect(decideCreate(target, live({ tags: [ownerTag("other/shard-1")] }), shardTwo, false, true).kind).toBe("refuse");
    expect(decideCreate(target, live({ tags: [] }), shardTwo, false, true).kind).toBe("refuse");
    const unsharded = decideCreate(target, shardOneScript, shardTwo, false, false);
    expect(unsharded.kind).toBe("refuse");
    expect(unsharded.kind === "refuse" && unsharded.message).toMatch(/set `wfp-assets:shard` in this stack's config/);
  });

  it("the old shard's delete of a handed-over tenant leaves the script, whoever holds it by then", () => {
    const recorded = { owner: "platform/shard-1", modifiedOn: shardOneScript.modifiedOn };
    // Old shard first: the script is still exactly as it left it — and still serves.
    expect(decideDelete(shardOneScript, recorded, true)).toEqual({ kind: "handed-over" });
    // New shard first: it already carries the new shard's tag.
    expect(decideDelete(live({ tags: [ownerTag(shardTwo)], modifiedOn: "2026-11-03T00:00:00.000Z" }), recorded, true)).toEqual({ kind: "handed-over" });
    // A tenant removed from the fleet is no handover: its unchanged script is deleted as before.
    expect(decideDelete(shardOneScript, recorded, false)).toEqual({ kind: "delete" });
  });

  it("two shards that both declare a tenant are told they disagree about its shard", () => {
    const taken = live({ tags: [ownerTag(shardTwo)] });
    const decision = decideUpdate(target, taken, { previous: "platform/shard-1", next: "platform/shard-1" }, false, true);
    expect(decision.kind).toBe("refuse");
    expect(decision.kind === "refuse" && decision.message).toMatch(/disagree about its shard: give every shard's wfp-assets:shard the same count/);
  });
});
