/**
 * Lets a worker thread run this package's TypeScript sources (tests under vitest), as Node runs the compiled dist/.
 *
 * Node 24 strips types, but the sources are written for `tsc`: relative imports end in `.js` (the compiled names),
 * and modules use `require` and `__dirname` (they compile to CommonJS). So the thread gets two module hooks (Node's
 * `module.registerHooks`, in-thread and synchronous): a relative `./x.js` imported from a `.ts` file resolves to
 * `./x.ts` when only that exists, and a `.ts` file is compiled to CommonJS with the TypeScript compiler's
 * `transpileModule` — the same output `npm run build` gives, one file at a time. The compiled package never loads
 * this: its thread entries are `.js` (entry.ts). TypeScript is a devDependency, found from the entry's folder.
 *
 * This file is loaded by Node itself before the hooks exist, so it uses only syntax Node's type stripping accepts.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire, enableCompileCache, registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

interface TypeScriptCompiler {
  transpileModule(source: string, options: { fileName: string; compilerOptions: Record<string, unknown> }): { outputText: string };
  ModuleKind: { CommonJS: number };
  ScriptTarget: { ES2022: number };
}

/** Registers the hooks in this thread (the bootstrap calls it once); `entry` is the `.ts` module the thread runs. */
export function registerTypeScriptSources(entry: string): void {
  // The compiler is large (~3 s to load on a busy 2-core machine, ~1 s from Node's on-disk compile cache); the cache
  // is this thread's, which runs only sources.
  enableCompileCache();
  const ts = createRequire(entry)("typescript") as TypeScriptCompiler;
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true };
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const parent = context.parentURL;
      if (parent !== undefined && parent.endsWith(".ts") && specifier.startsWith(".") && specifier.endsWith(".js")) {
        const source = new URL(`${specifier.slice(0, -".js".length)}.ts`, parent);
        if (!existsSync(fileURLToPath(new URL(specifier, parent))) && existsSync(fileURLToPath(source))) {
          return { url: source.href, format: "commonjs", shortCircuit: true };
        }
      }
      return nextResolve(specifier, context);
    },
    load(url, context, nextLoad) {
      if (!url.startsWith("file:") || !url.endsWith(".ts")) return nextLoad(url, context);
      const fileName = fileURLToPath(url);
      const { outputText } = ts.transpileModule(readFileSync(fileName, "utf8"), { fileName, compilerOptions });
      return { format: "commonjs", source: outputText, shortCircuit: true };
    },
  });
}
