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
 * The compiler is large (~3 s to load on a busy 2-core machine), so each compiled file is kept in the OS's temporary
 * folder under a key of its path, size, modification time and the compiler options; a thread whose files are all
 * there never loads the compiler.
 *
 * This file is loaded by Node itself before the hooks exist, so it uses only syntax Node's type stripping accepts.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire, registerHooks } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface TypeScriptCompiler {
  transpileModule(source: string, options: { fileName: string; compilerOptions: Record<string, unknown> }): { outputText: string };
}

/** ts.ModuleKind.CommonJS and ts.ScriptTarget.ES2022, as in tsconfig.build.json. */
const COMPILER_OPTIONS = { module: 1, target: 9, esModuleInterop: true, inlineSourceMap: true };
const CACHE = path.join(tmpdir(), "pulumi-wfp-assets-sources");

/** Registers the hooks in this thread (the bootstrap calls it once); `entry` is the `.ts` module the thread runs. */
export function registerTypeScriptSources(entry: string): void {
  let compiler: TypeScriptCompiler | undefined;
  const compile = (fileName: string): string => {
    const { size, mtimeMs } = statSync(fileName);
    const key = createHash("sha256").update(JSON.stringify([fileName, size, mtimeMs, COMPILER_OPTIONS])).digest("hex");
    const cached = path.join(CACHE, `${key}.js`);
    if (existsSync(cached)) return readFileSync(cached, "utf8");
    compiler ??= createRequire(entry)("typescript") as TypeScriptCompiler;
    const { outputText } = compiler.transpileModule(readFileSync(fileName, "utf8"), { fileName, compilerOptions: COMPILER_OPTIONS });
    // Written aside and renamed, so a thread reading the cache never sees half a file.
    mkdirSync(CACHE, { recursive: true });
    const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(partial, outputText);
    renameSync(partial, cached);
    return outputText;
  };
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
      return { format: "commonjs", source: compile(fileURLToPath(url)), shortCircuit: true };
    },
  });
}
