/**
 * Where a `require.cache` entry for the provider may sit so that Pulumi's closure serializer names it by a package
 * specifier (docs/pulumi-dynamic-providers.md §11.2): the pure part of src/provider/provider-reference.ts.
 */
import path from "node:path";

const NODE_MODULES = "node_modules";

export interface AliasCandidate {
  /** The absolute path the entry is registered under (inside the node_modules folder that holds the link). */
  cacheKey: string;
  /** What the serializer keeps of it: the part after the first node_modules segment, "/"-separated. */
  pathInNodeModules: string;
}

/** Whether a path (relative to the program's folder, as the serializer takes it) runs through a node_modules folder. */
export function runsThroughNodeModules(relativePath: string): boolean {
  return relativePath.split(/[\\/]/).includes(NODE_MODULES);
}

/** The part of `file` (relative to `cwd`) after its first node_modules segment, or undefined if it has none. */
export function pathInNodeModules(cwd: string, file: string): string | undefined {
  const parts = path.relative(cwd, file).split(/[\\/]/);
  const index = parts.indexOf(NODE_MODULES);
  return index < 0 || index === parts.length - 1 ? undefined : parts.slice(index + 1).join("/");
}

/**
 * The two places worth trying, in order: the shell's file under the link (which the serializer maps back through the
 * package's "exports" when it can read the package.json, as for an installed package), and the public subpath itself
 * (which it keeps as it is when it cannot). Which one the serializer turns into the public specifier depends on
 * where the linked package really lives, so the caller asks the serializer.
 */
export function aliasCandidates(where: { cwd: string; linkDir: string; shellInPackage: string; publicSubpath: string }): AliasCandidate[] {
  return [path.join(where.linkDir, where.shellInPackage), path.join(where.linkDir, where.publicSubpath)].flatMap((cacheKey) => {
    const inNodeModules = pathInNodeModules(where.cwd, cacheKey);
    return inNodeModules ? [{ cacheKey, pathInNodeModules: inNodeModules }] : [];
  });
}
