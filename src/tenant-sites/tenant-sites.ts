import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { UserWorkerAssets } from "../resource/user-worker-assets.js";
import type { UserWorkerAssetsArgs } from "../resource/args.js";
import { OrphanWatch, type OrphanWatchArgs } from "./orphan-watch.js";
import { assertDistinctScripts, listTenants, readTenantFile, tenantPaths, TenantSettingsError, type TenantSettings } from "./tenant-file.js";
import { parseShardConfig, splitTenants } from "./shards.js";
import { SHARD_CONFIG_KEY, type Shard } from "../rules/shards.js";

const [SHARD_CONFIG_NAMESPACE, SHARD_CONFIG_NAME] = SHARD_CONFIG_KEY.split(":") as [string, string];

export interface TenantSitesArgs {
  /** Cloudflare account id (32 hex). */
  accountId: pulumi.Input<string>;
  /** Dispatch namespace all tenants deploy into (it must exist). */
  namespace: pulumi.Input<string>;
  /**
   * Folder with one sub-folder per tenant (each with `public/` and an optional `tenant.json`), relative to the project
   * folder or absolute. Sub-folders starting with "." or "_" are skipped.
   * @example "examples/tenant-sites"
   */
  sitesDirectory: string;
  /** Settings by tenant folder name; merged over the folder's `tenant.json`. @default {} */
  tenants?: Record<string, TenantSettings>;
  /** Settings every tenant starts from (tenant.json and `tenants` win). @default {} */
  defaults?: TenantSettings;
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

/** How `declareTenants` registers each tenant's site and the namespace's orphan watch. */
export interface TenantResourceMakers<Site extends pulumi.Resource> {
  site(name: string, args: UserWorkerAssetsArgs, opts: pulumi.CustomResourceOptions): Site;
  orphanWatch(name: string, args: OrphanWatchArgs, opts: pulumi.CustomResourceOptions): pulumi.Resource;
}

/**
 * The tenants of `args.sitesDirectory` as children of `parent`: one site per tenant folder and the orphan watch. Shared
 * by `TenantSites` (dynamic resources) and the component package's TenantSites (packages/pulumi-wfp-assets-components,
 * custom resources of its own provider), so both read tenant folders by the same rules.
 */
export function declareTenants<Site extends pulumi.Resource>(
  parent: pulumi.ComponentResource,
  name: string,
  args: TenantSitesArgs,
  make: TenantResourceMakers<Site>,
  shard?: Shard,
): { sites: Record<string, Site>; scriptNames: Record<string, string>; shardOf?: Record<string, number> } {
  const sites: Record<string, Site> = {};
  const scriptNames: Record<string, string> = {};
  const cwd = process.cwd();
  const root = resolve(cwd, args.sitesDirectory);
  // Every shard reads every tenant's settings (not its files): the split needs each tenant's override and script
  // name, and two folders on one script are refused across the whole fleet, not just within a shard.
  const { tenants, split } = settled(name, () => {
    const all = listTenants(root).map((tenant) => {
      const settings: TenantSettings = { ...args.defaults, ...readTenantFile(join(root, tenant)), ...args.tenants?.[tenant] };
      return { tenant, settings, scriptName: settings.scriptName ?? tenant, shard: settings.shard };
    });
    assertDistinctScripts(Object.fromEntries(all.map((t) => [t.tenant, t.scriptName])));
    const split = shard ? splitTenants(all, shard) : undefined;
    const mine = (split?.mine ?? all).map((t) => ({ ...t, paths: tenantPaths(t.tenant, join(root, t.tenant), t.settings, cwd) }));
    return { tenants: mine, split };
  });
  for (const { tenant, settings, scriptName, paths } of tenants) {
    scriptNames[tenant] = scriptName;
    sites[tenant] = make.site(
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
      { parent },
    );
  }
  // Warns at preview and up about scripts with this stack's owner tag that no resource declares (README, "Orphans").
  make.orphanWatch(
    `${name}-orphans`,
    {
      component: name,
      accountId: args.accountId,
      namespace: args.namespace,
      tenantScripts: Object.values(scriptNames),
      ...(split ? { handedOver: split.elsewhere } : {}),
    },
    { parent, dependsOn: Object.values(sites) },
  );
  return { sites, scriptNames, ...(split ? { shardOf: split.shardOf } : {}) };
}

/**
 * One `UserWorkerAssets` per tenant folder: the platform team's whole fleet of tenant sites as
 * code. Adding a folder adds a tenant; deleting it removes the tenant's worker on the next `up`.
 */
export class TenantSites extends pulumi.ComponentResource {
  /** The tenants' resources by folder name. */
  readonly sites: Record<string, UserWorkerAssets>;
  /** Script name by tenant folder name (this shard's tenants only, in a sharded stack). */
  readonly scriptNames: Record<string, string>;
  /** In a sharded stack (stack config `wfp-assets:shard`): which shard it is. */
  readonly shard?: Shard;
  /** In a sharded stack: the shard (1-based) of every tenant folder of the fleet, this shard's and the others'. */
  readonly shardOf?: Record<string, number>;

  constructor(name: string, args: TenantSitesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wfp:index:TenantSites", name, {}, opts);
    // The stack config, not an argument: the provider reads the same key to take tenants over from the fleet's other
    // shards (src/deploy/ownership.ts), so the program and the provider can never disagree about it.
    this.shard = settled(name, () => parseShardConfig(new pulumi.Config(SHARD_CONFIG_NAMESPACE).get(SHARD_CONFIG_NAME)));
    ({ sites: this.sites, scriptNames: this.scriptNames, shardOf: this.shardOf } = declareTenants(
      this,
      name,
      args,
      {
        site: (siteName, siteArgs, siteOpts) => new UserWorkerAssets(siteName, siteArgs, siteOpts),
        orphanWatch: (watchName, watchArgs, watchOpts) => new OrphanWatch(watchName, watchArgs, watchOpts),
      },
      this.shard,
    ));
    this.registerOutputs({ scriptNames: this.scriptNames });
  }
}
