import { describe, expect, it } from "vitest";
import { aliasCandidates, pathInNodeModules, runsThroughNodeModules } from "../../src/provider/provider-alias.js";

describe("where the provider's require.cache entry may sit", () => {
  it("tells a path through a node_modules folder from one outside any", () => {
    expect(runsThroughNodeModules("node_modules/pulumi-wfp-assets/dist/provider/shell.js")).toBe(true);
    expect(runsThroughNodeModules("../../node_modules/pulumi-wfp-assets/dist/provider/shell.js")).toBe(true);
    expect(runsThroughNodeModules("../../dist/provider/shell.js")).toBe(false);
    expect(runsThroughNodeModules("../my_node_modules/shell.js")).toBe(false);
  });

  it("keeps what follows the first node_modules segment, as the serializer does", () => {
    expect(pathInNodeModules("/w/app", "/w/node_modules/pulumi-wfp-assets/dist/provider/shell.js")).toBe("pulumi-wfp-assets/dist/provider/shell.js");
    expect(pathInNodeModules("/w/app", "/w/app/node_modules/a/node_modules/b/x.js")).toBe("a/node_modules/b/x.js");
    expect(pathInNodeModules("/w/app", "/w/lib/dist/x.js")).toBeUndefined();
  });

  it("offers the shell's file under the link, then the public subpath", () => {
    const candidates = aliasCandidates({ cwd: "/w/app", linkDir: "/w/app/node_modules/pulumi-wfp-assets", shellInPackage: "dist/provider/shell.js", publicSubpath: "provider" });
    expect(candidates).toEqual([
      { cacheKey: "/w/app/node_modules/pulumi-wfp-assets/dist/provider/shell.js", pathInNodeModules: "pulumi-wfp-assets/dist/provider/shell.js" },
      { cacheKey: "/w/app/node_modules/pulumi-wfp-assets/provider", pathInNodeModules: "pulumi-wfp-assets/provider" },
    ]);
  });

  it("offers nothing when the program's own folder lies inside the node_modules folder holding the link", () => {
    // Relative to such a folder the link's path has no node_modules segment: the serializer would store the code by value.
    expect(aliasCandidates({ cwd: "/w/node_modules/app", linkDir: "/w/node_modules/pulumi-wfp-assets", shellInPackage: "dist/provider/shell.js", publicSubpath: "provider" })).toEqual([]);
  });
});
