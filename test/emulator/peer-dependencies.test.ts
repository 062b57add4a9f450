import { describe, expect, it } from "vitest";
import { assertServerDependencies, EmulatorDependencyError } from "../../src/emulator/peer-dependencies.js";

describe("the emulator's optional peer dependencies", () => {
  it("are present in this repository", () => {
    expect(() => assertServerDependencies()).not.toThrow();
  });

  it("names every missing one and the install command", () => {
    const without = (missing: string[]) => (name: string): string => {
      if (missing.includes(name)) throw Object.assign(new Error(`Cannot find module '${name}'`), { code: "MODULE_NOT_FOUND" });
      return `/node_modules/${name}/index.js`;
    };
    expect(() => assertServerDependencies(without(["jose"]))).toThrow(EmulatorDependencyError);
    expect(() => assertServerDependencies(without(["busboy", "jose"]))).toThrow(
      "The local emulator needs the optional peer dependencies busboy and jose, not installed here. Run: npm install --save-dev busboy@1.6.0 jose@6.2.17 (and miniflare to serve deployed sites).",
    );
  });
});
