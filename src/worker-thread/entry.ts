/**
 * Where a worker thread's module is, and how a thread starts it — the same way from the compiled package (dist/) and
 * from the TypeScript sources (tests).
 *
 * A thread entry is a module next to its caller (`threadEntry(__dirname, "deploy-worker")`). Its extension is this
 * file's own: `.js` once compiled, `.ts` in the sources — decided by how the code runs, not by looking on disk for a
 * file that may be stale. Every thread starts from the same few lines (BOOTSTRAP): from the sources they first
 * register the TypeScript hooks (typescript-sources.ts), then both load the entry with `require`, as CommonJS.
 */
import path from "node:path";

/** `.js` when this package runs compiled, `.ts` when it runs from its sources. */
export const MODULE_EXTENSION = path.extname(__filename) === ".ts" ? ".ts" : ".js";

/** The thread module `name` in `folder` (the caller's `__dirname`). */
export function threadEntry(folder: string, name: string): string {
  return path.join(folder, `${name}${MODULE_EXTENSION}`);
}

/** What a thread is given to start: its entry module, and the hooks' module when that entry is a source file. */
export interface BootstrapData {
  entry: string;
  typescriptSources: string | undefined;
}

export function bootstrapData(entry: string): BootstrapData {
  return { entry, typescriptSources: entry.endsWith(".ts") ? path.join(__dirname, "typescript-sources.ts") : undefined };
}

/** The code every thread starts with (Worker `eval`, CommonJS); `workerData.bootstrap` is a BootstrapData. */
export const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
const { entry, typescriptSources } = workerData.bootstrap;
if (typescriptSources) require(typescriptSources).registerTypeScriptSources(entry);
require(entry);
`;

/** The same start in a child process (child-process.ts, `node -e`): its BootstrapData is the argument after the code. */
export const PROCESS_BOOTSTRAP = `
const { entry, typescriptSources } = JSON.parse(process.argv[process.argv.length - 1]);
if (typescriptSources) require(typescriptSources).registerTypeScriptSources(entry);
require(entry);
`;
