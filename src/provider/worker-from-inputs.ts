import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { DeployError, type WorkerSpec } from "../deploy/index.js";
import { sha256Hex } from "./canonical.js";
import type { WorkerInput } from "./inputs.js";

/** Loads module files named in the inputs and checks each against the sha256 the program recorded. */
export async function workerFromInputs(worker: WorkerInput, base: string = process.cwd()): Promise<WorkerSpec> {
  const modules = await Promise.all(
    worker.modules.map(async (module) => {
      let content: string | Uint8Array;
      if (module.path !== undefined) {
        const path = resolve(base, module.path);
        try {
          content = new Uint8Array(await readFile(path));
        } catch (error) {
          throw new DeployError("script", `Cannot read worker module ${module.name} at ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
        }
      } else {
        content = module.content ?? "";
      }
      if (sha256Hex(content) !== module.sha256) {
        throw new DeployError(
          "script",
          `Worker module ${module.name} changed since the program read it (sha256 differs). Something edited it during the deploy; run it again.`,
        );
      }
      return { name: module.name, content, contentType: module.contentType };
    }),
  );
  return {
    mainModule: worker.mainModule,
    modules,
    compatibilityDate: worker.compatibilityDate,
    compatibilityFlags: worker.compatibilityFlags,
    bindings: worker.bindings as WorkerSpec["bindings"],
    assetsBinding: worker.assetsBinding,
  };
}
