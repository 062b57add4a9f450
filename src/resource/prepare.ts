import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { manifestInputOffThread } from "../manifest/index.js";
import { sha256Hex } from "../provider/canonical.js";
import { mainModuleProblem, type AssetConfigInput, type WorkerInput, type WorkerModuleInput } from "../rules/index.js";
import type { AssetConfigArgs, UserWorkerArgs } from "./args.js";

export class UserWorkerAssetsInputError extends Error {
  override readonly name = "UserWorkerAssetsInputError";
}

/**
 * Paths go into state relative to the project folder with `/` separators, so moving the project
 * to another folder or machine changes nothing.
 */
export function projectRelative(path: string, cwd: string): string {
  const rel = relative(cwd, resolve(cwd, path));
  return rel === "" ? "." : rel.split(sep).join("/");
}

export interface PreparedAssets {
  directory: string;
  /** The `/path → hash` map as JSON text: one string for Pulumi to carry, not one value per file (src/manifest/manifest-input.ts). */
  manifest: string;
  headers?: string;
  redirects?: string;
}

/** Runs in the program: walk, ignore, hash. Bad folders fail here, during preview, before any API call. */
export async function prepareAssets(
  args: { directory: string; ignore?: string[]; hashSalt?: string; maxFiles?: number },
  cwd: string,
): Promise<PreparedAssets> {
  // Off the program's thread: Pulumi's runner attaches a debugger to it, which makes WebAssembly hashing ~5× slower;
  // and only the manifest's JSON text comes back, so this thread never holds the per-file list.
  const built = await manifestInputOffThread(resolve(cwd, args.directory), {
    ignore: args.ignore,
    hashSalt: args.hashSalt,
    maxFiles: args.maxFiles,
    // The program runs on every preview and twice per `up`: unchanged files are not hashed again (bench/).
    hashCache: true,
  });
  return { directory: projectRelative(args.directory, cwd), manifest: built.manifestJson, headers: built.headers, redirects: built.redirects };
}

/** Explicit headers/redirects win over the folder's `_headers` / `_redirects` files. */
export function prepareAssetConfig(config: AssetConfigArgs | undefined, assets: PreparedAssets): AssetConfigInput | undefined {
  const merged: AssetConfigInput = { ...(config ?? {}) };
  const headers = config?.headers ?? assets.headers;
  const redirects = config?.redirects ?? assets.redirects;
  if (headers !== undefined) merged.headers = headers;
  if (redirects !== undefined) merged.redirects = redirects;
  for (const key of Object.keys(merged) as (keyof AssetConfigInput)[]) if (merged[key] === undefined) delete merged[key];
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/**
 * Module files are recorded by path + sha256 (the provider reads them at deploy time and checks
 * the digest); inline modules keep their text. Either way a code change shows in preview.
 */
export async function prepareWorker(worker: UserWorkerArgs | undefined, cwd: string): Promise<WorkerInput | undefined> {
  if (worker === undefined) return undefined;
  const missing = mainModuleProblem(worker);
  if (missing !== undefined) throw new UserWorkerAssetsInputError(missing);
  const inline = (worker.modules ?? []).filter((m): m is Exclude<typeof m, string> => typeof m !== "string");
  const files = (worker.modules ?? []).filter((m): m is string => typeof m === "string");
  const modules: WorkerModuleInput[] = [];
  let mainModule = worker.mainModule;

  const mainIsInline = inline.some((m) => m.name === worker.mainModule);
  if (!mainIsInline) {
    const mainPath = resolve(cwd, worker.mainModule);
    const root = dirname(mainPath);
    const paths = [mainPath, ...files.map((p) => resolve(cwd, p))];
    for (const [i, path] of paths.entries()) {
      const name = relative(root, path).split(sep).join("/");
      if (name.startsWith("../") || isAbsolute(name)) {
        throw new UserWorkerAssetsInputError(`worker module ${path} is outside the main module's folder ${root}; keep modules next to or below the main module.`);
      }
      // A main module that is neither an inline module's name nor a file: the rule names the inline modules.
      const notAModule = i === 0 && inline.length > 0 ? mainModuleProblem(worker, inline.map((m) => m.name)) : undefined;
      const content = await readModule(path, i === 0 ? "worker.mainModule" : "worker.modules", notAModule);
      if (i === 0) mainModule = name;
      modules.push({ name, path: projectRelative(path, cwd), sha256: sha256Hex(content) });
    }
  } else if (files.length > 0) {
    throw new UserWorkerAssetsInputError("worker.modules mixes file paths with an inline main module; give all modules inline, or make mainModule a file path.");
  }
  for (const m of inline) {
    // The content type is checked with the other inputs in the provider's check() (src/rules/worker.ts).
    const contentType = m.contentType as WorkerModuleInput["contentType"];
    modules.push({ name: m.name, content: m.content, sha256: sha256Hex(m.content), ...(contentType ? { contentType } : {}) });
  }
  const prepared: WorkerInput = { mainModule, modules };
  if (worker.compatibilityDate !== undefined) prepared.compatibilityDate = worker.compatibilityDate;
  if (worker.compatibilityFlags !== undefined) prepared.compatibilityFlags = worker.compatibilityFlags;
  if (worker.bindings !== undefined) prepared.bindings = worker.bindings;
  if (worker.assetsBinding !== undefined) prepared.assetsBinding = worker.assetsBinding;
  return prepared;
}

async function readModule(path: string, property: string, whenMissing?: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && whenMissing !== undefined) throw new UserWorkerAssetsInputError(whenMissing);
    throw new UserWorkerAssetsInputError(
      `${property}: cannot read ${path} (${code === "ENOENT" ? "no such file" : code ?? String(error)}). Give a path relative to the project folder or an absolute path.`,
    );
  }
}
