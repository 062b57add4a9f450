// The fixtures the benchmarks share with the tests (test/fixtures/*.mts: the Pulumi project on the installed
// package, emulator calls, seeded sites), loaded with Node's TypeScript type stripping.
//
// Those files import each other as TypeScript does, by the name of the compiled file ("./repo.mjs" for
// repo.mts, "../../src/emulator/harness/prng.js" for prng.ts); Node looks for exactly the name it is given, so a resolve
// hook tries the TypeScript name when the JavaScript one does not exist. The hook must be registered before those
// modules are resolved, hence the dynamic imports below (static ones are all resolved before any code runs).
import { registerHooks } from "node:module";

const COMPILED_NAME = /^(\.{1,2}\/.*)\.(m?)js$/;

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      const relative = COMPILED_NAME.exec(specifier);
      if (error?.code !== "ERR_MODULE_NOT_FOUND" || !relative || !context.parentURL?.match(/\.m?ts$/)) throw error;
      return nextResolve(`${relative[1]}.${relative[2]}ts`, context);
    }
  },
  // The repository's .ts sources are ES modules (tsc compiles them to CommonJS for dist/); said here, Node does not
  // first try them as CommonJS and warn that package.json has no "type".
  load(url, context, nextLoad) {
    return nextLoad(url, url.endsWith(".ts") ? { ...context, format: "module-typescript" } : context);
  },
});

export const { PulumiProject } = await import("../../test/fixtures/pulumi-project.mts");
export const { emulatorAdmin, EMULATOR_ACCOUNT } = await import("../../test/fixtures/emulator.mts");
export const { seededRandom, writeSyntheticSite } = await import("../../test/fixtures/sites.mts");
