import { afterEach, describe, expect, it } from "vitest";
import { checkOrphanWatch } from "../../src/provider/orphan-watch.js";
import { forgetHandovers, handedOverNames, isHandedOver } from "../../src/provider/shard-handovers.js";
import { UNKNOWN } from "../../src/provider/inputs.js";

const where = { accountId: "0123456789abcdef0123456789abcdef", namespace: "tenants", owner: "platform/shard-1" };
const watch = { kind: "orphan-watch", component: "fleet", ...where, declared: ["a", "b"], __provider: "exports.handler = …" };

afterEach(() => forgetHandovers());

describe("the orphan watch's check keeps other shards' tenants for this run, out of the state", () => {
  it("records the handed-over names and returns the inputs without them", () => {
    const checked = checkOrphanWatch({ ...watch, handedOver: ["c", "d"] });
    expect(checked.failures).toBeUndefined();
    expect(checked.inputs).toEqual(watch);
    expect([...handedOverNames(where)].sort()).toEqual(["c", "d"]);
    expect(isHandedOver({ accountId: where.accountId, namespace: "tenants", scriptName: "c" }, where.owner)).toBe(true);
    // Another owner's delete (another stack) or another namespace is not concerned.
    expect(isHandedOver({ accountId: where.accountId, namespace: "tenants", scriptName: "c" }, "platform/shard-2")).toBe(false);
    expect(isHandedOver({ accountId: where.accountId, namespace: "other", scriptName: "c" }, where.owner)).toBe(false);
    expect(isHandedOver({ accountId: where.accountId, namespace: "tenants", scriptName: "a" }, where.owner)).toBe(false);
  });

  it("an unsharded stack's watch records nothing; unknown names (preview) are not recorded", () => {
    expect(checkOrphanWatch(watch).inputs).toEqual(watch);
    expect(handedOverNames(where).size).toBe(0);
    expect(checkOrphanWatch({ ...watch, handedOver: UNKNOWN }).inputs).toEqual(watch);
    expect(handedOverNames(where).size).toBe(0);
  });

  it("bad handed-over names fail the check like any other input", () => {
    expect(checkOrphanWatch({ ...watch, handedOver: [1] }).failures?.[0]?.property).toBe("handedOver");
  });
});
