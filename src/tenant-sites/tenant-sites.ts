import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { validators } from "./cloudflare/index.js";
import { assetConfigInputSchema } from "./provider/inputs.js";
import { UserWorkerAssets } from "./resource.js";
import type { AssetConfigArgs, UserWorkerArgs } from "./resource/args.js";

/** Per-tenant settings: in code (`TenantSitesArgs.tenants`) or in the tenant folder's `tenant.json`. */
export interface TenantSettings {
  /** Script name of the tenant's user worker. @default the folder name */
  scriptName?: string;
  /** Asset folder inside the tenant folder. @default "public" */
  publicDirectory?: string;
  /** Worker code; `mainModule`/`modules` paths are relative to the tenant folder. */
  worker?: UserWorkerArgs;
  assetConfig?: AssetConfigArgs;
  ignore?: string[];
  hashSalt?: string;
  tags?: string[];
  compatibilityDate?: string;
  /** Take over an existing script that is not this stack's (see `UserWorkerAssetsArgs.adopt`). @default false */
  adopt?: boolean;
  /** Binding types of the live version that survive every deploy (see `UserWorkerAssetsArgs.keepBindings`). */
  keepBindings?: string[];
}

export interface TenantSitesArgs {
  accountId: pulumi.Input<string>;
  /** Dispatch namespace all tenants deploy into. */
  namespace: pulumi.Input<string>;
  /** Folder with one sub-folder per tenant. @example "examples/tenant-sites" */
  sitesDirectory: string;
  /** Settings by tenant folder name; merged over the folder's `tenant.json`. */
  tenants?: Record<string, TenantSettings>;
  /** Settings every tenant starts from. */
  defaults?: TenantSettings;
}

const tenantFileSchema = z
  .object({
    scriptName: validators.scriptName.optional(),
    publicDirectory: z.string().min(1).optional(),
    worker: z
      .object({
        mainModule: z.string().min(1),
        modules: z.array(z.string().min(1)).optional(),
        compatibilityDate: validators.compatibilityDate.optional(),
        compatibilityFlags: z.array(z.string()).optional(),
        bindings: z.array(z.object({ type: z.string(), name: z.string() }).loose()).optional(),
        assetsBinding: z.string().optional(),
      })
      .strict()
      .optional(),
    assetConfig: assetConfigInputSchema.optional(),
    ignore: z.array(z.string()).optional(),
    hashSalt: z.string().optional(),
    tags: z.array(z.string()).optional(),
    compatibilityDate: validators.compatibilityDate.optional(),
    adopt: z.boolean().optional(),
    keepBindings: z.array(z.string().min(1)).optional(),
  })
  .strict();

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
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new TenantSettingsError(`${file}: ${issues}`);
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
function tenantPaths(tenant: string, tenantDir: string, settings: TenantSettings, cwd: string): { directory: string; worker?: UserWorkerArgs } {
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
function assertDistinctScripts(scriptNames: Record<string, string>): void {
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

/** Bad tenant settings fail the program with just their message (a pulumi.RunError), not a stack trace. */
function settled<T>(component: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof TenantSettingsError) throw new pulumi.RunError(`TenantSites "${component}": ${error.message}`);
    throw error;
  }
}

/**
 * One `UserWorkerAssets` per tenant folder: the platform team's whole fleet of tenant sites as
 * code. Adding a folder adds a tenant; deleting it removes the tenant's worker on the next `up`.
 */
export class TenantSites extends pulumi.ComponentResource {
  /** The tenants' resources by folder name. */
  readonly sites: Record<string, UserWorkerAssets> = {};
  /** Script name by tenant folder name. */
  readonly scriptNames: Record<string, string> = {};

  constructor(name: string, args: TenantSitesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wfp:index:TenantSites", name, {}, opts);
    const cwd = process.cwd();
    const root = resolve(cwd, args.sitesDirectory);
    const tenants = settled(name, () => {
      const list = listTenants(root).map((tenant) => {
        const tenantDir = join(root, tenant);
        const settings: TenantSettings = { ...args.defaults, ...readTenantFile(tenantDir), ...args.tenants?.[tenant] };
        return { tenant, settings, scriptName: settings.scriptName ?? tenant, paths: tenantPaths(tenant, tenantDir, settings, cwd) };
      });
      assertDistinctScripts(Object.fromEntries(list.map((t) => [t.tenant, t.scriptName])));
      return list;
    });
    for (const { tenant, settings, scriptName, paths } of tenants) {
      this.scriptNames[tenant] = scriptName;
      this.sites[tenant] = new UserWorkerAssets(
        `${name}-${tenant}`,
        {
          accountId: args.accountId,
          namespace: args.namespace,
          scriptName,
          directory: paths.directory,
          worker: paths.worker,
          assetConfig: settings.assetConfig,
          ignore: settings.ignore,
          hashSalt: settings.hashSalt,
          tags: settings.tags,
          compatibilityDate: settings.worker ? undefined : settings.compatibilityDate,
          adopt: settings.adopt,
          keepBindings: settings.keepBindings,
        },
        { parent: this },
      );
    }
    this.registerOutputs({ scriptNames: this.scriptNames });
  }
}
