import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
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
  })
  .strict();

export class TenantSettingsError extends Error {
  override readonly name = "TenantSettingsError";
}

/** Reads `<tenant>/tenant.json` if present, validated, with worker paths made relative to the project. */
export function readTenantFile(tenantDir: string, cwd: string): TenantSettings {
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
  const settings: TenantSettings = parsed.data as TenantSettings;
  if (settings.worker) {
    const fromProject = (p: string): string => relative(cwd, resolve(tenantDir, p)).split(sep).join("/");
    settings.worker = {
      ...settings.worker,
      mainModule: fromProject(settings.worker.mainModule),
      modules: settings.worker.modules?.map((m) => (typeof m === "string" ? fromProject(m) : m)),
    };
  }
  return settings;
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
    for (const tenant of listTenants(root)) {
      const tenantDir = join(root, tenant);
      const settings: TenantSettings = { ...args.defaults, ...readTenantFile(tenantDir, cwd), ...args.tenants?.[tenant] };
      const scriptName = settings.scriptName ?? tenant;
      this.scriptNames[tenant] = scriptName;
      this.sites[tenant] = new UserWorkerAssets(
        `${name}-${tenant}`,
        {
          accountId: args.accountId,
          namespace: args.namespace,
          scriptName,
          directory: relative(cwd, join(tenantDir, settings.publicDirectory ?? "public")) || ".",
          worker: settings.worker,
          assetConfig: settings.assetConfig,
          ignore: settings.ignore,
          hashSalt: settings.hashSalt,
          tags: settings.tags,
          compatibilityDate: settings.worker ? undefined : settings.compatibilityDate,
        },
        { parent: this },
      );
    }
    this.registerOutputs({ scriptNames: this.scriptNames });
  }
}
