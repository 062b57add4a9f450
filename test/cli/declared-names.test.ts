/** What a stack declares, read from `pulumi stack export` or a list of names (src/cli/declared-names.ts). */
import { describe, expect, it } from "vitest";
import { DeclaredNamesError, parseDeclaredNames } from "../../src/cli/declared-names.js";

const WHERE = { accountId: "0123456789abcdef0123456789abcdef", namespace: "tenants" };
const site = (scriptName: string, namespace = "tenants", accountId = WHERE.accountId) => ({
  urn: `urn:pulumi:dev::p::wfp:index:TenantSites$pulumi-nodejs:dynamic/wfp:UserWorkerAssets::fleet-${scriptName}`,
  type: "pulumi-nodejs:dynamic/wfp:UserWorkerAssets",
  inputs: { accountId, namespace, scriptName },
  outputs: { accountId, namespace, scriptName, etag: "e" },
});

describe("parseDeclaredNames", () => {
  it("reads the UserWorkerAssets of this account and namespace from `pulumi stack export`", () => {
    const exported = {
      version: 3,
      deployment: {
        resources: [
          { urn: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", type: "pulumi:pulumi:Stack" },
          site("alpha"),
          site("beta"),
          site("elsewhere", "staging"),
          site("other-account", "tenants", "fedcba9876543210fedcba9876543210"),
          { urn: "urn:…::fleet-orphans", type: "pulumi-nodejs:dynamic/wfp:OrphanWatch", outputs: { kind: "orphan-watch", ...WHERE, declared: ["ghost"] } },
        ],
        pending_operations: [{ type: "creating", resource: site("crashed") }],
      },
    };
    expect([...parseDeclaredNames(JSON.stringify(exported, null, 2), WHERE, "state.json")].sort()).toEqual(["alpha", "beta"]);
  });

  it("reads a list of names, skipping blank lines and comments", () => {
    expect([...parseDeclaredNames("alpha\n\n# retired: gamma\nbeta  # the shop\n", WHERE, "names.txt")]).toEqual(["alpha", "beta"]);
  });

  it("names the file, the line and the fix for what it cannot read", () => {
    expect(() => parseDeclaredNames("alpha\nnot a name\n", WHERE, "names.txt")).toThrow(/names\.txt, line 2: "not a name" is not a script name/);
    expect(() => parseDeclaredNames("{ broken", WHERE, "-")).toThrow(DeclaredNamesError);
    expect(() => parseDeclaredNames('{"resources": []}', WHERE, "x.json")).toThrow(/not the output of `pulumi stack export`/);
  });
});
