import type * as pulumi from "@pulumi/pulumi";
import type { HtmlHandling, NotFoundHandling, WorkerBinding } from "../deploy/index.js";

/** A worker module given inline instead of as a file. */
export interface InlineWorkerModule {
  /** The name the worker imports it by, e.g. `index.js`. */
  name: string;
  content: string;
  /** Part content type; inferred from the name (`.js` → ES module, `.wasm`, `.txt`, …) when omitted. */
  contentType?: string;
}

export interface UserWorkerArgs {
  /**
   * The main module: a path to an ES module file (relative to the project folder or absolute), or
   * the `name` of one of the inline `modules`.
   * @example "workers/tenant-api/index.js"
   */
  mainModule: string;
  /**
   * More modules: file paths (named relative to the main module's folder) or inline modules.
   * @default []
   */
  modules?: Array<string | InlineWorkerModule>;
  /** @example "2025-06-01" */
  compatibilityDate?: string;
  /** @default [] */
  compatibilityFlags?: string[];
  /**
   * Bindings exactly as Cloudflare's script metadata takes them.
   * @example [{ type: "plain_text", name: "TENANT", text: "acme" }]
   */
  bindings?: WorkerBinding[];
  /**
   * Name under which the worker reaches its assets (`env.ASSETS.fetch(request)`); omitted = no binding.
   * @example "ASSETS"
   */
  assetsBinding?: string;
}

export interface AssetConfigArgs {
  /** @default "auto-trailing-slash" (Cloudflare's default) */
  htmlHandling?: HtmlHandling;
  /** @default "none" (Cloudflare's default) */
  notFoundHandling?: NotFoundHandling;
  /**
   * Run the worker before serving assets: `true` for every request, or route rules.
   * Needs `worker`.
   * @example ["/api/*", "!/api/docs/*"]
   */
  runWorkerFirst?: boolean | string[];
  /** `_headers` rules as text; overrides the directory's `_headers` file. */
  headers?: string;
  /** `_redirects` rules as text; overrides the directory's `_redirects` file. */
  redirects?: string;
}

export interface UserWorkerAssetsArgs {
  /** Cloudflare account id (32 hex). */
  accountId: pulumi.Input<string>;
  /**
   * Dispatch namespace of the user worker (Workers for Platforms). Omit to deploy an account-level worker.
   * @default undefined (account worker)
   */
  namespace?: pulumi.Input<string>;
  /**
   * Name of the user worker (script): 1–63 of `a-z 0-9 - _`. Changing it replaces the worker (the new one is created
   * before the old one is deleted).
   * @example "tenant-acme"
   */
  scriptName: pulumi.Input<string>;
  /**
   * Folder of static files, relative to the project folder or absolute. Its root `.assetsignore`
   * (gitignore syntax) is honoured; root `_headers` / `_redirects` become asset config.
   * @example "sites/acme/dist"
   */
  directory: pulumi.Input<string>;
  /**
   * Worker code that runs with the assets. Omit for an assets-only worker.
   * @default undefined (assets only)
   */
  worker?: pulumi.Input<UserWorkerArgs>;
  /**
   * How assets are served. Sent in full with every deploy (Cloudflare replaces it wholesale).
   * @default Cloudflare's defaults (auto-trailing-slash, no not-found handling)
   */
  assetConfig?: pulumi.Input<AssetConfigArgs>;
  /**
   * More ignore patterns (gitignore syntax), on top of `.assetsignore`.
   * @default []
   * @example ["*.map", "drafts/"]
   */
  ignore?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Salt mixed into every file hash so this tenant never shares stored objects with another in
   * the same namespace (Cloudflare's advice for untrusted tenants). Changing it re-uploads all files.
   * @default undefined (wrangler-compatible hashes, shared with any identical file in the namespace)
   */
  hashSalt?: pulumi.Input<string>;
  /**
   * Compatibility date for an assets-only worker (with `worker`, use `worker.compatibilityDate`).
   * @example "2025-06-01"
   */
  compatibilityDate?: pulumi.Input<string>;
  /** Compatibility flags for an assets-only worker. @default [] */
  compatibilityFlags?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Script tags, e.g. to find a tenant's scripts. At most 7: Cloudflare allows 8 per script and this package keeps
   * one, `wfp-owner=<project>/<stack>`, as the owner marker (see README "Ownership and refactoring"). Removing a tag
   * here removes it from the script.
   * @default []
   */
  tags?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Take over a script that already exists and is not this stack's (deployed by another stack, wrangler or the
   * dashboard). Without it, creating this resource over such a script fails and names the script. This is the
   * substitute for `pulumi import`, which dynamic resources cannot do.
   * @default false
   */
  adopt?: pulumi.Input<boolean>;
  /**
   * Binding types of the live version that survive every deploy (Cloudflare's `keep_bindings`), for bindings the
   * platform manages outside this resource, e.g. secrets set with `wrangler secret put`.
   * @default [] (the deploy replaces all bindings)
   * @example ["secret_text"]
   */
  keepBindings?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Most files allowed: Cloudflare's per-version limit is 100,000 on the Paid plan and for Workers for Platforms, 20,000
   * on the Free plan — an account-level script (no `namespace`) of a Free account sets 20000 (`FREE_PLAN_MAX_FILES`).
   * @default 100000
   */
  maxFiles?: pulumi.Input<number>;
}

/** What a `UserWorkerAssets` resolves to after `pulumi up` (each is a `pulumi.Output` on the resource). */
export interface UserWorkerAssetsOutputs {
  accountId: string;
  namespace?: string;
  scriptName: string;
  /** SHA-256 of the sorted `/path → hash` manifest: the same digest `wfp-assets manifest` prints for the folder. */
  manifestDigest: string;
  fileCount: number;
  totalBytes: number;
  /** Files (distinct contents) sent by the last deploy; 0 when Cloudflare already had them all. */
  uploadedFiles: number;
  uploadedBytes: number;
  scriptId: string;
  /** Cloudflare's hash of the script content (code, bindings, compatibility), as last observed. */
  etag: string;
  /** When the script was last uploaded, as last observed (refresh updates it). */
  modifiedOn: string;
  hasAssets: boolean;
}
