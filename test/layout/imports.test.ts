/**
 * The import graph of src/ and packages/*\/src (scripts/import-graph.mts): no cycle among the files, no import
 * running back up the layering (LAYERING there), and the emulator apart from the client code.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type AllowedImport, LAYERING, type SelfPackage, type SourceFile, checkImportGraph, findCycles, importEdges, layeringProblem, roomsWithoutPlace } from "../../scripts/import-graph.mjs";
import { REPO_ROOT } from "../fixtures/repo.mjs";

/**
 * Imports the layering forbids that exist today, each with its reason. The check fails when one of them goes away,
 * so the list shrinks with the code.
 */
const ALLOWED: AllowedImport[] = [];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === "node_modules") return [];
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return /\.m?ts$/.test(name) && !name.endsWith(".d.ts") ? [file] : [];
  });
}

function repositorySources(): SourceFile[] {
  const packages = readdirSync(path.join(REPO_ROOT, "packages")).map((name) => path.join(REPO_ROOT, "packages", name, "src"));
  return [path.join(REPO_ROOT, "src"), ...packages].flatMap(sourceFiles).map((file) => ({
    path: path.relative(REPO_ROOT, file).split(path.sep).join("/"),
    text: readFileSync(file, "utf8"),
  }));
}

function selfPackage(): SelfPackage {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { name: string; exports: Record<string, string | { default: string }> };
  return { name: pkg.name, exports: Object.fromEntries(Object.entries(pkg.exports).map(([sub, to]) => [sub, typeof to === "string" ? to : to.default])) };
}

describe("the repository's import graph", () => {
  const files = repositorySources();
  const report = checkImportGraph(files, selfPackage(), LAYERING, ALLOWED);

  it("reads the sources and their imports", () => {
    expect(files.some((f) => f.path === "src/emulator/index.ts")).toBe(true);
    expect(files.some((f) => f.path.startsWith("packages/platform-service/src/"))).toBe(true);
    expect(importEdges(files, selfPackage()).length).toBeGreaterThan(files.length);
  });

  it("places every room in the layering", () => {
    expect(roomsWithoutPlace(files.map((f) => f.path), LAYERING)).toEqual([]);
  });

  it("has no import cycle", () => {
    expect(report.cycles).toEqual([]);
  });

  it("has no import running back up the layering, except the allowed ones", () => {
    expect(report.violations).toEqual([]);
  });

  it("allows only imports that still exist", () => {
    expect(report.staleAllowances).toEqual([]);
  });
});

describe("checkImportGraph", () => {
  const self: SelfPackage = { name: "pulumi-wfp-assets", exports: { ".": "./dist/index.js", "./emulator": "./dist/emulator/index.js" } };
  const check = (files: SourceFile[], allowed: AllowedImport[] = []) => checkImportGraph(files, self, LAYERING, allowed);

  it("finds a cycle through type-only and dynamic imports, as a path back to its start", () => {
    const files = [
      { path: "src/deploy/a.ts", text: `import type { B } from "./b.js";` },
      { path: "src/deploy/b.ts", text: `export const c = () => import("./c.js");` },
      { path: "src/deploy/c.ts", text: `import { a } from "./a.js";` },
      { path: "src/deploy/d.ts", text: `import { a } from "./a.js";` },
    ];
    expect(check(files).cycles).toEqual([["src/deploy/a.ts", "src/deploy/b.ts", "src/deploy/c.ts", "src/deploy/a.ts"]]);
    expect(findCycles([{ from: "x", to: "x" }])).toEqual([["x", "x"]]);
  });

  it("ignores imports inside comments and strings", () => {
    const files = [
      { path: "src/rules/a.ts", text: `// import { x } from "../cli/x.js";\n/* import "../cli/x.js"; */\nconst s = 'import "../cli/x.js"';` },
      { path: "src/cli/x.ts", text: "export const x = 1;" },
    ];
    expect(check(files)).toEqual({ cycles: [], violations: [], staleAllowances: [] });
  });

  it("names an import that runs back up the data's way, unless it is allowed", () => {
    const files = [
      { path: "src/cloudflare/client.ts", text: `import { plan } from "../deploy/plan.js";` },
      { path: "src/deploy/plan.ts", text: "export const plan = 1;" },
    ];
    expect(check(files).violations).toEqual(["src/cloudflare/client.ts → src/deploy/plan.ts: deploy is above cloudflare in the data's way"]);
    const allowed = [{ from: "src/cloudflare/client.ts", to: "src/deploy/plan.ts", why: "test" }];
    expect(check(files, allowed).violations).toEqual([]);
    expect(check([files[1]!], allowed).staleAllowances).toEqual(allowed);
  });

  it("keeps the emulator apart: it imports no client code, and only the CLI imports it, through its entry", () => {
    const files = [
      { path: "src/emulator/protocol/envelope.ts", text: `import { hashAssetBytes } from "../../manifest/hash.js";` },
      { path: "src/manifest/hash.ts", text: `import { startEmulator } from "../emulator/index.js";` },
      { path: "src/cli/emulator-command.ts", text: `import { startEmulator } from "../emulator/index.js";\nimport { ok } from "../emulator/protocol/envelope.js";` },
      { path: "src/emulator/index.ts", text: `import { ok } from "./protocol/envelope.js";` },
    ];
    expect(check(files).violations).toEqual([
      "src/emulator/protocol/envelope.ts → src/manifest/hash.ts: emulator may import only its own files",
      "src/manifest/hash.ts → src/emulator/index.ts: only cli may import emulator",
      "src/cli/emulator-command.ts → src/emulator/protocol/envelope.ts: only src/emulator/index.ts may be imported from outside the emulator",
    ]);
  });

  it("holds the emulator's folders to their order", () => {
    expect(layeringProblem("emulator/store", "emulator/model", LAYERING)).toBeUndefined();
    expect(layeringProblem("emulator/model", "emulator/store", LAYERING)).toBe("store is above model in the emulator's layering");
    expect(layeringProblem("emulator/protocol", "emulator/core", LAYERING)).toBe("core is above protocol in the emulator's layering");
  });

  it("resolves a workspace package's import of the package itself through its exports", () => {
    const files = [
      { path: "packages/platform-service/src/wfp.ts", text: `export { startEmulator } from "pulumi-wfp-assets/emulator";\nimport { x } from "pulumi-wfp-assets";` },
      { path: "src/emulator/index.ts", text: "export const startEmulator = 1;" },
      { path: "src/index.ts", text: "export const x = 1;" },
    ];
    expect(importEdges(files, self)).toEqual([
      { from: "packages/platform-service/src/wfp.ts", to: "src/emulator/index.ts" },
      { from: "packages/platform-service/src/wfp.ts", to: "src/index.ts" },
    ]);
    expect(check(files).violations).toEqual([]);
    const around = [{ path: "packages/platform-service/src/wfp.ts", text: `import { x } from "../../../src/deploy/x.js";` }, { path: "src/deploy/x.ts", text: "" }];
    expect(check(around).violations).toEqual(["packages/platform-service/src/wfp.ts → src/deploy/x.ts: a workspace package imports the library only through the package's exports"]);
    expect(check([{ path: "src/deploy/y.ts", text: `import "../../packages/platform-service/src/wfp.ts";` }, around[0]!]).violations).toContain(
      "src/deploy/y.ts → packages/platform-service/src/wfp.ts: the library imports no workspace package",
    );
  });

  it("asks for a place for a new folder", () => {
    expect(roomsWithoutPlace(["src/rules/a.ts", "src/gadgets/b.ts", "src/emulator/widgets/c.ts"], LAYERING)).toEqual(["emulator/widgets", "gadgets"]);
  });
});
