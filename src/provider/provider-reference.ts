/**
 * The object `UserWorkerAssets` hands Pulumi as its dynamic provider, chosen so that the state stores the ~260-byte
 * module reference `require("pulumi-wfp-assets/provider")` (docs/pulumi-dynamic-providers.md §11.1) wherever the
 * program can require the package by name — also when it is linked (npm workspaces, `npm link`, a `file:`
 * dependency), where Node loads it from a real path outside any node_modules folder and Pulumi would otherwise store
 * the shell's functions by value (2.9 KB, twice per resource).
 *
 * How (docs/pulumi-dynamic-providers.md §11.2): Pulumi names a module by the first `require.cache` entry whose
 * exports are the object, and stores a reference only if that entry's path runs through a node_modules folder. So for
 * a linked package this module adds one entry — at the path where the program's node_modules holds the link — whose
 * exports are a frozen copy of the shell's functions (a separate object, so the shell's own entry, found first, does
 * not name it). Node documents adding entries to `require.cache`; its own loading never looks this one up (it keys
 * modules by real path).
 *
 * The entry is added only if Pulumi's serializer, asked with the tail it will compute, answers with the provider's
 * public specifier, and that specifier, resolved from the program's folder, is this very shell: the provider host
 * (started in the program's folder) then loads the engine installed next to the program. Otherwise — and for an
 * installed package, whose own entry already runs through node_modules — the shell itself is returned, as before.
 */
import { existsSync, realpathSync } from "node:fs";
import Module, { createRequire } from "node:module";
import path from "node:path";
import * as shell from "./shell.js";
import { aliasCandidates, runsThroughNodeModules, type AliasCandidate } from "./provider-alias.js";

/** The package's name and the public subpath of the shell (package.json "exports"); the shell's code uses the same. */
const PACKAGE_NAME = "pulumi-wfp-assets";
const PROVIDER_SUBPATH = "provider";
const PROVIDER_SPECIFIER = `${PACKAGE_NAME}/${PROVIDER_SUBPATH}`;

type Provider = typeof shell;

/** Pulumi's mapping from a path inside node_modules to the specifier it stores (runtime/closure/package.js). */
type ModuleNamer = (pathInNodeModules: string) => unknown;

const chosen = new Map<string, Provider>();
/** The copies this module registered, told apart from anything else `require.cache` may hold at a path. */
const aliases = new WeakSet<object>();

/**
 * The provider object for resources registered from `cwd` (the program's folder): one object per folder, so Pulumi
 * serializes it once per program run (its cache is keyed by the object).
 */
export function serializableProvider(cwd: string = process.cwd()): Provider {
  let provider = chosen.get(cwd);
  if (!provider) {
    provider = providerFor(cwd);
    chosen.set(cwd, provider);
  }
  return provider;
}

function providerFor(cwd: string): Provider {
  let shellFile: string;
  try {
    shellFile = require.resolve("./shell.js");
  } catch {
    return shell; // not loaded as CommonJS from dist/ (a test transform): nothing to alias
  }
  if (runsThroughNodeModules(path.relative(cwd, shellFile))) return shell; // installed: Pulumi stores the reference
  const packageRoot = path.resolve(path.dirname(shellFile), "..", ".."); // dist/provider/shell.js
  const linkDir = linkedPackageDir(cwd, packageRoot);
  const namer = pulumiModuleNamer();
  if (!linkDir || !namer) return shell;
  const shellInPackage = path.relative(packageRoot, shellFile);
  const candidates = aliasCandidates({ cwd, linkDir, shellInPackage, publicSubpath: PROVIDER_SUBPATH });
  const alias = candidates.find((candidate) => storedSpecifier(namer, candidate) === PROVIDER_SPECIFIER);
  if (!alias || !resolvesTo(cwd, PROVIDER_SPECIFIER, shellFile)) return shell;
  return registerAlias(alias.cacheKey);
}

/** The folder the program's `require("pulumi-wfp-assets")` goes through (a link in a node_modules), if it is this copy. */
function linkedPackageDir(cwd: string, packageRoot: string): string | undefined {
  const programRequire = createRequire(path.join(cwd, "noop.js"));
  for (const dir of programRequire.resolve.paths(PACKAGE_NAME) ?? []) {
    const candidate = path.join(dir, PACKAGE_NAME);
    if (!existsSync(path.join(candidate, "package.json"))) continue;
    // Node takes the first folder that has the package; it must be this copy, or the host would run another engine.
    return realpathSync(candidate) === realpathSync(packageRoot) ? candidate : undefined;
  }
  return undefined;
}

/** The SDK copy this package registers resources with (the one `import "@pulumi/pulumi"` resolves to here). */
function pulumiModuleNamer(): ModuleNamer | undefined {
  try {
    const closurePackage = require("@pulumi/pulumi/runtime/closure/package") as { getModuleFromPath?: unknown };
    return typeof closurePackage.getModuleFromPath === "function" ? (closurePackage.getModuleFromPath as ModuleNamer) : undefined;
  } catch {
    return undefined; // an SDK without this file: keep the by-value form rather than guess
  }
}

function storedSpecifier(namer: ModuleNamer, candidate: AliasCandidate): unknown {
  try {
    return namer(candidate.pathInNodeModules);
  } catch {
    return undefined; // e.g. "package.json export path … not found": this candidate would fail the serialization
  }
}

function resolvesTo(cwd: string, specifier: string, file: string): boolean {
  try {
    return createRequire(path.join(cwd, "noop.js")).resolve(specifier) === file;
  } catch {
    return false;
  }
}

function registerAlias(cacheKey: string): Provider {
  const existing = require.cache[cacheKey];
  if (existing) return aliases.has(existing.exports as object) ? (existing.exports as Provider) : shell;
  const alias = new Module(cacheKey);
  alias.filename = cacheKey;
  alias.loaded = true;
  const exports: Provider = Object.freeze({ ...shell });
  alias.exports = exports;
  aliases.add(exports);
  require.cache[cacheKey] = alias;
  return exports;
}
