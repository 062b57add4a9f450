/**
 * Loads miniflare on first use. It is an optional peer dependency (users who deploy only to Cloudflare never need
 * workerd), so nothing imports it at emulator start: the API must start fast and work without it.
 */

/** The version this emulator is built and tested against (package.json peerDependencies). */
export const MINIFLARE_VERSION = "5.20261023.3-beta";

export type MiniflareModule = typeof import("miniflare");
export type MiniflareLoader = () => Promise<MiniflareModule>;

export class MiniflareMissingError extends Error {
  constructor(cause: unknown) {
    super(`Serving deployed sites needs the optional peer dependency miniflare, which is not installed. Run: npm install --save-dev miniflare@${MINIFLARE_VERSION}`, { cause });
    this.name = "MiniflareMissingError";
  }
}

/** Imports `specifier` (miniflare; tests name a package that is not installed) and classifies a failure. */
export function createMiniflareLoader(specifier = "miniflare"): MiniflareLoader {
  return async () => {
    try {
      const mod = (await import(specifier)) as MiniflareModule & { default?: MiniflareModule };
      // A CommonJS package seen through import(): named exports when Node can detect them, else under default.
      return typeof mod.Miniflare === "function" ? mod : (mod.default ?? mod);
    } catch (err) {
      if (isModuleNotFound(err, specifier)) throw new MiniflareMissingError(err);
      throw err;
    }
  };
}

export const loadMiniflare: MiniflareLoader = createMiniflareLoader();

/** True for "cannot find package X" (not for a missing file inside an installed X, which is a broken install). */
export function isModuleNotFound(err: unknown, pkg: string): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  const message = err instanceof Error ? err.message : "";
  return message.includes(`'${pkg}'`) || message.includes(`"${pkg}"`);
}
