import { readFile } from "node:fs/promises";
import { dirname, relative, resolve, sep } from "node:path";
import type { WorkerModule } from "./types.js";

export class WorkerModuleError extends Error {
  override readonly name = "WorkerModuleError";
}

/**
 * Reads worker module files from disk. Module names are paths relative to the main module's
 * folder (what `import "./lib/util.js"` resolves against in the worker), with `/` separators.
 */
export async function loadWorkerModules(mainPath: string, extraPaths: readonly string[] = []): Promise<{ mainModule: string; modules: WorkerModule[] }> {
  const main = resolve(mainPath);
  const root = dirname(main);
  const paths = [main, ...extraPaths.map((p) => resolve(p))];
  const modules: WorkerModule[] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    const name = relative(root, path).split(sep).join("/");
    if (name.startsWith("../")) {
      throw new WorkerModuleError(`Worker module ${path} is outside the main module's folder ${root}; put additional modules next to or below the main module.`);
    }
    if (seen.has(name)) continue;
    seen.add(name);
    let content: Buffer;
    try {
      content = await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new WorkerModuleError(`Cannot read worker module ${path} (${code ?? String(error)}). Check the path of the worker's main module / modules.`);
    }
    modules.push({ name, content: new Uint8Array(content) });
  }
  return { mainModule: modules[0]!.name, modules };
}
