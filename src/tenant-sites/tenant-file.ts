/**
 * A tenant folder's settings: the tenant.json file, its validation (the shared rules of src/rules) and the guards that
 * keep one tenant inside its own folder and out of another tenant's script.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { z } from "zod";
import type { AssetConfigArgs, UserWorkerArgs } from "../resource/args.js";
import { checkNeedsWorker, checkWorkerSettings, deploySettingsShape, describeIssues, scriptNameSchema, workerSettingsShape } from "../rules/index.js";
import { tenantShardSchema } from "../rules/shards.js";

/** Per-tenant settings: in code (`TenantSitesArgs.tenants`) or in the tenant folder's `tenant.json`. */
export interface TenantSettings {
  /** Script name of the tenant's user worker. @default the folder name */
  scriptName?: string;
  /** Asset folder inside the tenant folder. @default "public" */
  publicDirectory?: string;
  /**
   * Worker code; `mainModule`/`modules` paths are relative to the tenant folder and must stay inside it.
   * @default undefined (an assets-only worker)
   */
  worker?: UserWorkerArgs;
  /** How the assets are served (see `UserWorkerAssetsArgs.assetConfig`). @default Cloudflare's defaults */
  assetConfig?: AssetConfigArgs;
  /** More ignore patterns (gitignore syntax), on top of the public folder's `.assetsignore`. @default [] */
  ignore?: string[];
  /**
   * Salt mixed into this tenant's file hashes, so it never shares stored objects with another tenant.
   * @default undefined (wrangler-compatible hashes)
   */
  hashSalt?: string;
  /** Script tags, at most 7 (see `UserWorkerAssetsArgs.tags`). @default [] */
  tags?: string[];
  /** Compatibility date of an assets-only tenant (with `worker`, use `worker.compatibilityDate`). @example "2025-06-01" */
  compatibilityDate?: string;
  /** Take over an existing script that is not this stack's (see `UserWorkerAssetsArgs.adopt`). @default false */
  adopt?: boolean;
  /** Binding types of the live version that survive every deploy (see `UserWorkerAssetsArgs.keepBindings`). @default [] */
  keepBindings?: string[];
  /**
   * In a sharded fleet (stack config `wfp-assets:shard`), the shard (1-based) that declares this tenant instead of the
   * one its name hashes to (src/rules/shards.ts). Ignored by an unsharded stack.
   * @default undefined (the hash of the folder name decides)
   */
  shard?: number;
}


/**
 * `<tenant>/tenant.json`: the same rules as the resource's arguments (src/rules), with paths relative to the tenant
 * folder and worker modules as file paths.
 */
const tenantFileSchema = z
  .object({
    scriptName: scriptNameSchema.optional(),
    publicDirectory: z.string().min(1).optional(),
    worker: z
      .object({
        mainModule: z.string().min(1),
        modules: z.array(z.string().min(1)).optional(),
        ...workerSettingsShape,
      })
      .strict()
      .superRefine((worker, ctx) => checkWorkerSettings(worker, ctx))
      .optional(),
    assetConfig: deploySettingsShape.assetConfig,
    ignore: z.array(z.string()).optional(),
    hashSalt: deploySettingsShape.hashSalt,
    tags: deploySettingsShape.tags,
    compatibilityDate: deploySettingsShape.compatibilityDate,
    adopt: z.boolean().optional(),
    keepBindings: deploySettingsShape.keepBindings,
    shard: tenantShardSchema.optional(),
  })
  .strict()
  .superRefine((settings, ctx) => checkNeedsWorker(settings, settings.worker !== undefined, ctx));

export class TenantSettingsError extends Error {
  override readonly name = "TenantSettingsError";
}

/** Reads `<tenant>/tenant.json` if present, validated; paths in it stay as written (relative to the tenant folder). */
export function readTenantFile(tenantDir: string): TenantSettings {
  const file = join(tenantDir, "tenant.json");
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new TenantSettingsError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = tenantFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new TenantSettingsError(`${file}: ${describeIssues(parsed.error.issues, "(root)").join("; ")}`);
  }
  return parsed.data as TenantSettings;
}

/**
 * A path a tenant's settings name (public folder, worker modules), resolved inside the tenant folder. Tenants do not
 * trust one another: `"publicDirectory": "../../.."` would otherwise publish the platform's own files as public assets
 * of that tenant. Symlinks are followed, so a link pointing out of the folder is refused too.
 */
export function insideTenant(tenant: string, tenantDir: string, property: string, path: string): string {
  const resolved = resolve(tenantDir, path);
  const realRoot = realpathOrSelf(tenantDir);
  const real = realpathOrSelf(resolved);
  const inside = (root: string, p: string): boolean => p === root || p.startsWith(root + sep);
  if (!inside(resolve(tenantDir), resolved) || !inside(realRoot, real)) {
    throw new TenantSettingsError(
      `tenant "${tenant}": ${property} "${path}" points outside the tenant's folder ${tenantDir}. ` +
        "Tenant settings may only name files inside their own folder; use a path such as \"public\" or \"worker/index.js\".",
    );
  }
  return resolved;
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // not there (yet): the manifest walk reports a missing folder with its own message
  }
}

/** Settings with every path checked against the tenant folder and made relative to the project folder. */
export function tenantPaths(tenant: string, tenantDir: string, settings: TenantSettings, cwd: string): { directory: string; worker?: UserWorkerArgs } {
  const fromProject = (absolute: string): string => relative(cwd, absolute).split(sep).join("/") || ".";
  const directory = fromProject(insideTenant(tenant, tenantDir, "publicDirectory", settings.publicDirectory ?? "public"));
  if (!settings.worker) return { directory };
  const worker: UserWorkerArgs = {
    ...settings.worker,
    mainModule: fromProject(insideTenant(tenant, tenantDir, "worker.mainModule", settings.worker.mainModule)),
    modules: settings.worker.modules?.map((m) => (typeof m === "string" ? fromProject(insideTenant(tenant, tenantDir, "worker.modules", m)) : m)),
  };
  return { directory, worker };
}

/** Two tenant folders deploying one script would overwrite each other on every `up`: refuse, naming both. */
export function assertDistinctScripts(scriptNames: Record<string, string>): void {
  const byScript = new Map<string, string>();
  for (const [tenant, script] of Object.entries(scriptNames)) {
    const other = byScript.get(script);
    if (other !== undefined) {
      throw new TenantSettingsError(
        `tenant folders "${other}" and "${tenant}" both deploy the script "${script}"; each would overwrite the other's site on every \`pulumi up\`. ` +
          "Give one of them another \"scriptName\" in its tenant.json (or rename the folder).",
      );
    }
    byScript.set(script, tenant);
  }
}

/** Tenant folders, sorted: every sub-folder not starting with "." or "_". */
export function listTenants(sitesDirectory: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(sitesDirectory);
  } catch (error) {
    throw new TenantSettingsError(
      `sitesDirectory ${sitesDirectory} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); give the folder that holds one folder per tenant.`,
    );
  }
  return entries.filter((e) => !e.startsWith(".") && !e.startsWith("_") && statSync(join(sitesDirectory, e)).isDirectory()).sort();
}
