import fs from "node:fs/promises";
import path from "node:path";
import ignore from "ignore";
import { describeFsError, errnoCode, ManifestError } from "./errors.js";

export const ASSETS_IGNORE_FILE = ".assetsignore";
export const HEADERS_FILE = "_headers";
export const REDIRECTS_FILE = "_redirects";

/**
 * Never uploaded, exactly as wrangler: anchored to the root, so `sub/_headers` is an ordinary asset.
 * They come first, so a `!/_headers` line in .assetsignore re-includes the file as an asset, as it does
 * in wrangler (it is still read as the headers config as well).
 */
export const DEFAULT_IGNORE_PATTERNS: readonly string[] = [`/${ASSETS_IGNORE_FILE}`, `/${REDIRECTS_FILE}`, `/${HEADERS_FILE}`];

export interface IgnoreRules {
  /** `relativePath` is posix, relative to the assets root, without a leading slash. */
  isIgnored(relativePath: string, isDirectory?: boolean): boolean;
  /** Whether the root holds a .assetsignore file; its presence alone disables the _worker.js guard. */
  readonly hasAssetsIgnoreFile: boolean;
}

/**
 * Lines of an ignore file. Wrangler splits on "\n" only, leaving a "\r" on every line of a CRLF file, which
 * then silently stops matching; we accept CRLF and a UTF-8 byte-order mark so a file saved on Windows works.
 */
export function parseIgnoreFile(text: string): string[] {
  return text.replace(/^\uFEFF/, "").split(/\r?\n/);
}

export function createIgnoreRules(options: { assetsIgnoreText?: string; extraPatterns?: readonly string[] }): IgnoreRules {
  const matcher = ignore().add([...DEFAULT_IGNORE_PATTERNS]);
  if (options.assetsIgnoreText !== undefined) matcher.add(parseIgnoreFile(options.assetsIgnoreText));
  for (const pattern of options.extraPatterns ?? []) matcher.add(parseIgnoreFile(pattern));
  return {
    hasAssetsIgnoreFile: options.assetsIgnoreText !== undefined,
    isIgnored: (relativePath, isDirectory = false) => matcher.ignores(isDirectory ? `${relativePath}/` : relativePath),
  };
}

/** Reads `<root>/.assetsignore` (only the root one counts, as in wrangler) and builds the rules. */
export async function loadIgnoreRules(rootDirectory: string, extraPatterns: readonly string[] = []): Promise<IgnoreRules> {
  const file = path.join(rootDirectory, ASSETS_IGNORE_FILE);
  let assetsIgnoreText: string | undefined;
  try {
    assetsIgnoreText = await fs.readFile(file, "utf8");
  } catch (error) {
    const code = errnoCode(error);
    // A directory of that name is not an ignore file; wrangler treats it as absent too.
    if (code !== "ENOENT" && code !== "EISDIR") {
      throw new ManifestError("unreadable-file", `Cannot read ${file}: ${describeFsError(error)}. Fix its permissions or remove it.`, {
        path: file,
        cause: error,
      });
    }
  }
  return createIgnoreRules({ ...(assetsIgnoreText === undefined ? {} : { assetsIgnoreText }), extraPatterns });
}

/**
 * Wrangler refuses a root `_worker.js` (file or directory) when there is no .assetsignore: it is Pages
 * server-side code and would become a public asset. Like wrangler this is a prefix test on the
 * root-relative path, so `_worker.js/index.js` (and, quirkily, `_worker.json`) trip it; `sub/_worker.js` does not.
 */
export function assertNotPagesWorkerJs(relativePath: string, rules: IgnoreRules, rootDirectory: string): void {
  if (rules.hasAssetsIgnoreFile || !relativePath.startsWith("_worker.js")) return;
  throw new ManifestError(
    "pages-worker-js",
    `Refusing to upload /${relativePath} from ${rootDirectory} as a public asset: a root _worker.js file or ` +
      `directory is Pages server-side code, and uploading it could expose your private code to the Internet. ` +
      `If you do not want to upload it, remove it or add a ${ASSETS_IGNORE_FILE} file to the root of the asset ` +
      `directory containing "_worker.js". If you do want to upload it, add an empty ${ASSETS_IGNORE_FILE} file ` +
      `to the root of the asset directory.`,
    { path: path.join(rootDirectory, ...relativePath.split("/")) },
  );
}
