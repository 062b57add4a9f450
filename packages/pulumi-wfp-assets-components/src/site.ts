import * as pulumi from "@pulumi/pulumi";
import type { UserWorkerAssetsArgs } from "pulumi-wfp-assets";
import type { SiteAssetConfig, SiteWorker } from "./args.js";
import { PACKAGE_NAME, UserWorkerAssets } from "./resources.js";
import { siteUrl } from "./urls.js";

export interface SiteArgs {
  /** Cloudflare account id (32 hex). Changing it replaces the worker. */
  accountId: pulumi.Input<string>;
  /** Dispatch namespace (it must exist); omit for an account-level worker. Changing it replaces the worker. */
  namespace?: pulumi.Input<string>;
  /** Script name: 1–63 of a-z 0-9 - _. Changing it replaces the worker. */
  scriptName: pulumi.Input<string>;
  /** The site's files, relative to the project folder (or absolute); `.assetsignore`, `_headers`, `_redirects` honoured. */
  directory: pulumi.Input<string>;
  /** Worker code that runs with the assets; omit for an assets-only site. */
  worker?: pulumi.Input<SiteWorker>;
  /** How the assets are served. */
  assetConfig?: pulumi.Input<SiteAssetConfig>;
  /** More ignore patterns (gitignore syntax). */
  ignore?: pulumi.Input<string[]>;
  /** Salt mixed into the file hashes, so this site never shares stored objects with another tenant. */
  hashSalt?: pulumi.Input<string>;
  /** Compatibility date of an assets-only worker, e.g. "2025-06-01". */
  compatibilityDate?: pulumi.Input<string>;
  compatibilityFlags?: pulumi.Input<string[]>;
  /** Script tags, at most 7 (the 8th is the owner marker). */
  tags?: pulumi.Input<string[]>;
  /** Take over an existing script that is not this stack's. */
  adopt?: pulumi.Input<boolean>;
  /** Binding types of the live version that survive each deploy, e.g. ["secret_text"]. */
  keepBindings?: pulumi.Input<string[]>;
  /** At most this many files (default 100,000; 20,000 for an account worker on the Free plan). */
  maxFiles?: pulumi.Input<number>;
  /** The site's address as the platform routes it, e.g. "https://{script}.sites.example.com/"; gives the `url` output. */
  urlPattern?: string;
}

/** One tenant's static site (and optional worker) as a user worker in a Workers for Platforms dispatch namespace. */
export class Site extends pulumi.ComponentResource {
  /** The deployed script's name. */
  public readonly scriptName: pulumi.Output<string>;
  /** The site's address from `urlPattern`; empty when no pattern is given. */
  public readonly url: pulumi.Output<string>;
  /** Files in the site. */
  public readonly fileCount: pulumi.Output<number>;
  /** Bytes in the site. */
  public readonly totalBytes: pulumi.Output<number>;
  /** Files (distinct contents) sent by the last deploy; 0 when Cloudflare already had them all. */
  public readonly uploadedFiles: pulumi.Output<number>;
  /** Bytes sent by the last deploy. */
  public readonly uploadedBytes: pulumi.Output<number>;
  /** SHA-256 of the path → hash manifest. */
  public readonly manifestDigest: pulumi.Output<string>;
  /** The live script's etag, as Cloudflare reported it after the last deploy or refresh. */
  public readonly etag: pulumi.Output<string>;
  /** The live script's modified time, as Cloudflare reported it. */
  public readonly modifiedOn: pulumi.Output<string>;

  constructor(name: string, args: SiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${PACKAGE_NAME}:index:Site`, name, {}, opts);
    // The library checks these loosely typed values (bindings, runWorkerFirst, enum strings) in the provider's check.
    const { urlPattern, ...siteArgs } = args;
    const site = new UserWorkerAssets(name, siteArgs as UserWorkerAssetsArgs, { parent: this });
    this.scriptName = site.scriptName;
    this.url = pulumi
      .all([args.scriptName, args.namespace])
      .apply(([script, namespace]) => siteUrl(urlPattern, { script, namespace }));
    this.fileCount = site.fileCount;
    this.totalBytes = site.totalBytes;
    this.uploadedFiles = site.uploadedFiles;
    this.uploadedBytes = site.uploadedBytes;
    this.manifestDigest = site.manifestDigest;
    this.etag = site.etag;
    this.modifiedOn = site.modifiedOn;
    this.registerOutputs({ scriptName: this.scriptName, url: this.url, fileCount: this.fileCount, etag: this.etag });
  }
}
