/**
 * The components' argument types, written so that Pulumi's schema inference (@pulumi/pulumi/provider/experimental)
 * can turn them into a schema for every language: plain interfaces, arrays, maps and `pulumi.Input`, no unions. Where
 * the TypeScript API takes a union (a worker module as path or inline text, `runWorkerFirst` as boolean or patterns,
 * the binding kinds), the value is typed loosely here and checked by the same rules (src/rules) in the provider's
 * check, so a bad value fails `pulumi preview` with the TypeScript API's message.
 */

/** How the assets are served; every field is optional and defaults to Cloudflare's behaviour. */
export interface SiteAssetConfig {
  /** "auto-trailing-slash" (default), "force-trailing-slash", "drop-trailing-slash" or "none". */
  htmlHandling?: string;
  /** "none" (default), "404-page" or "single-page-application". */
  notFoundHandling?: string;
  /** Run the worker before assets: true/false, or a list of route patterns (e.g. ["/api/*"]). Needs a worker. */
  runWorkerFirst?: any;
  /** `_headers` file content; overrides the folder's own `_headers`. */
  headers?: string;
  /** `_redirects` file content; overrides the folder's own `_redirects`. */
  redirects?: string;
}

/** Worker code that runs with the assets. */
export interface SiteWorker {
  /** Path of the worker's main ES module, relative to the project folder (or absolute). */
  mainModule: string;
  /** More module files, named relative to the main module's folder. */
  modules?: string[];
  /** e.g. "2025-06-01". */
  compatibilityDate?: string;
  compatibilityFlags?: string[];
  /** Worker bindings as Cloudflare's API spells them, e.g. { type: "plain_text", name: "TENANT", text: "acme" }. */
  bindings?: any[];
  /** The name of the assets binding in the worker's env, e.g. "ASSETS". */
  assetsBinding?: string;
}

/** Per-tenant settings of TenantSites (the same fields as a tenant folder's tenant.json). */
export interface TenantOptions {
  /** Script name of the tenant's user worker; default the folder name. */
  scriptName?: string;
  /** Asset folder inside the tenant folder; default "public". */
  publicDirectory?: string;
  /** Worker code; paths relative to the tenant folder. */
  worker?: SiteWorker;
  assetConfig?: SiteAssetConfig;
  /** More ignore patterns (gitignore syntax). */
  ignore?: string[];
  /** Salt mixed into this tenant's file hashes, so it never shares stored objects with another tenant. */
  hashSalt?: string;
  /** Script tags, at most 7. */
  tags?: string[];
  /** Compatibility date of an assets-only tenant. */
  compatibilityDate?: string;
  /** Take over an existing script that is not this stack's. */
  adopt?: boolean;
  /** Binding types of the live version that survive every deploy, e.g. ["secret_text"]. */
  keepBindings?: string[];
}

/** One site's outcome, as TenantSites reports it per tenant. */
export interface SiteSummary {
  scriptName: string;
  /** The site's address from `urlPattern`; empty when no pattern is given. */
  url: string;
  fileCount: number;
  totalBytes: number;
  etag: string;
  modifiedOn: string;
}

