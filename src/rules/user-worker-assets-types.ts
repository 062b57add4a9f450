/**
 * The `UserWorkerAssets` contract as plain TypeScript types: what the program takes, what the provider receives and
 * what it records. The zod schemas in ./user-worker-assets.ts validate and are the source of truth; these types are
 * what the package's public declarations show, so a user's type-check never loads zod's declarations (95 files,
 * most of the ~50 MiB they cost a ts-node program). ./user-worker-assets.ts fails to compile when a type here and its
 * schema's type drift apart. This file imports no zod.
 */
import type { HtmlHandling, NotFoundHandling } from "./asset-config.js";
import type { ManifestInputValue } from "./manifest-input.js";
import type { MODULE_CONTENT_TYPES } from "./worker.js";

/** A module part's content type, one of those Cloudflare accepts. */
export type ModuleContentType = (typeof MODULE_CONTENT_TYPES)[number];

/** A binding as Cloudflare's script metadata takes it: `{ type, name, ...the type's own fields }`. */
export interface BindingArgs {
  type: string;
  name: string;
  [field: string]: unknown;
}

/** How assets are served. Sent in full with every deploy (Cloudflare replaces it wholesale). */
export interface AssetConfigArgs {
  htmlHandling?: HtmlHandling;
  notFoundHandling?: NotFoundHandling;
  /** `true`/`false`, or rules such as `["/api/*", "!/api/docs"]` (needs a worker module). */
  runWorkerFirst?: boolean | string[];
  /** `_headers` rules as text; overrides the folder's `_headers` file. */
  headers?: string;
  /** `_redirects` rules as text; overrides the folder's `_redirects` file. */
  redirects?: string;
}

/** A worker module given inline instead of as a file. */
export interface InlineWorkerModule {
  /** The name the worker imports it by, e.g. `index.js`. */
  name: string;
  content: string;
  /** Part content type; inferred from the name (`.js` → ES module, `.wasm`, `.txt`, …) when omitted. Checked by the provider. */
  contentType?: string;
}

/** The worker as the program takes it: module files by path, or inline modules. */
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
  modules?: (string | InlineWorkerModule)[];
  /** @example "2025-06-01" */
  compatibilityDate?: string;
  /** @default [] */
  compatibilityFlags?: string[];
  /**
   * Bindings exactly as Cloudflare's script metadata takes them.
   * @example [{ type: "plain_text", name: "TENANT", text: "acme" }]
   */
  bindings?: BindingArgs[];
  /**
   * Name under which the worker reaches its assets (`env.ASSETS.fetch(request)`); omitted = no binding.
   * @example "ASSETS"
   */
  assetsBinding?: string;
}

/** The inputs the program hands to the provider exactly as the user gave them. */
export interface PassedThroughArgs {
  /** Cloudflare account id (32 hex). */
  accountId: string;
  /**
   * Dispatch namespace of the user worker (Workers for Platforms). Omit to deploy an account-level worker.
   * @default undefined (account worker)
   */
  namespace?: string;
  /**
   * Name of the user worker (script): 1–63 of `a-z 0-9 - _`. Changing it replaces the worker (the new one is created
   * before the old one is deleted).
   * @example "tenant-acme"
   */
  scriptName: string;
  /**
   * Salt mixed into every file hash so this tenant never shares stored objects with another in
   * the same namespace (Cloudflare's advice for untrusted tenants). Changing it re-uploads all files.
   * @default undefined (wrangler-compatible hashes, shared with any identical file in the namespace)
   */
  hashSalt?: string;
  /**
   * Compatibility date for an assets-only worker (with `worker`, use `worker.compatibilityDate`).
   * @example "2025-06-01"
   */
  compatibilityDate?: string;
  /** Compatibility flags for an assets-only worker. @default [] */
  compatibilityFlags?: string[];
  /**
   * Script tags, e.g. to find a tenant's scripts. At most 7: Cloudflare allows 8 per script and this package keeps
   * one, `wfp-owner=<project>/<stack>`, as the owner marker (see README "Ownership and refactoring"). Removing a tag
   * here removes it from the script.
   * @default []
   */
  tags?: string[];
  /**
   * Take over a script that already exists and is not this stack's (deployed by another stack, wrangler or the
   * dashboard). Without it, creating this resource over such a script fails and names the script. This is the
   * substitute for `pulumi import`, which dynamic resources cannot do.
   * @default false
   */
  adopt?: boolean;
  /**
   * Binding types of the live version that survive every deploy (Cloudflare's `keep_bindings`), for bindings the
   * platform manages outside this resource, e.g. secrets set with `wrangler secret put`.
   * @default [] (the deploy replaces all bindings)
   * @example ["secret_text"]
   */
  keepBindings?: string[];
  /**
   * Most files allowed: Cloudflare's per-version limit is 100,000 on the Paid plan and for Workers for Platforms, 20,000
   * on the Free plan — an account-level script (no `namespace`) of a Free account sets 20000 (`FREE_PLAN_MAX_FILES`).
   * @default 100000
   */
  maxFiles?: number;
}

/** The program's arguments as plain values (src/resource/args.ts makes each a `pulumi.Input`). */
export interface UserWorkerAssetsArgsValues extends PassedThroughArgs {
  /**
   * Folder of static files, relative to the project folder or absolute. Its root `.assetsignore`
   * (gitignore syntax) is honoured; root `_headers` / `_redirects` become asset config.
   * @example "sites/acme/dist"
   */
  directory: string;
  /**
   * Worker code that runs with the assets. Omit for an assets-only worker.
   * @default undefined (assets only)
   */
  worker?: UserWorkerArgs;
  /**
   * How assets are served. Sent in full with every deploy (Cloudflare replaces it wholesale).
   * @default Cloudflare's defaults (auto-trailing-slash, no not-found handling)
   */
  assetConfig?: AssetConfigArgs;
  /**
   * More ignore patterns (gitignore syntax), on top of `.assetsignore`.
   * @default []
   * @example ["*.map", "drafts/"]
   */
  ignore?: string[];
}

/** One worker module as the program records it for the provider. */
export interface WorkerModuleInput {
  name: string;
  /** Path relative to the project folder; read at deploy time and checked against sha256. */
  path?: string;
  /** Inline module text (kept in state), used when no path is given. */
  content?: string;
  contentType?: ModuleContentType;
  sha256: string;
}

/** The worker as the program records it: module files by path + sha256 (or inline), and the shared worker settings. */
export interface WorkerInput {
  mainModule: string;
  modules: WorkerModuleInput[];
  compatibilityDate?: string;
  compatibilityFlags?: string[];
  bindings?: BindingArgs[];
  assetsBinding?: string;
}

/** The resource's inputs as the provider receives them. */
export interface ProviderInputs extends PassedThroughArgs {
  /** The asset folder, relative to the project folder, so state does not depend on where the project lives. */
  directory: string;
  /**
   * `/path` → content hash, per file, so `pulumi preview --diff` can name every changed path: JSON text from the
   * program, a map in state written by earlier versions (src/rules/manifest-input.ts).
   */
  manifest: ManifestInputValue;
  worker?: WorkerInput;
  /** `_headers` / `_redirects` of the folder merged in (src/resource/prepare.ts). */
  assetConfig?: AssetConfigArgs;
  /** `<project>/<stack>` of the program: the owner marker's value (src/deploy/ownership.ts). */
  owner?: string;
  /**
   * The program's working folder (absolute), which `directory` and module paths are relative to. The provider's own
   * working folder is the project's `main`, which an Automation API program need not run in. Not part of any digest:
   * moving the project changes nothing.
   */
  workDir?: string;
  providerVersion: string;
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

/**
 * Everything the provider records in state: the resource's outputs plus its own bookkeeping. The per-file manifest is
 * deliberately not among them (it is an input), and every field costs bytes per tenant in every checkpoint of a fleet:
 * only what read/delete/diff need, and what the resource documents.
 */
export interface ProviderOutputs extends UserWorkerAssetsOutputs {
  /** Written by 0.1.x; no longer recorded (paths live in the inputs). */
  directory?: string;
  /** Digest of every deploy-relevant input except the manifest: worker, config, tags, salt… */
  settingsDigest: string;
  providerVersion: string;
  /**
   * What this resource deployed, kept only once a refresh observed something else live (drift); the next deploy
   * clears them. (0.1.x and 0.2 development builds recorded them always, equal to etag/modifiedOn.)
   */
  deployedEtag?: string;
  deployedModifiedOn?: string;
  /** The owner marker this resource's last deploy set (absent in state written before the marker existed). */
  owner?: string;
}
