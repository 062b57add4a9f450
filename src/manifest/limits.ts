import { DEFAULT_MAX_FILES, MAX_ASSET_SIZE, MAX_FILES_LIMIT, maxFilesMessage, maxFilesSchema } from "../rules/limits.js";
import { ManifestError } from "./errors.js";

// The limits themselves are rules shared with the provider, tenant.json and the CLI (src/rules/limits.ts).
export { DEFAULT_MAX_FILES, MAX_ASSET_SIZE, MAX_FILES_LIMIT };

/** Validates the `maxFiles` option under the shared rule; `undefined` means the default, Cloudflare's limit for paid plans and WfP. */
export function resolveMaxFiles(maxFiles: unknown): number {
  if (maxFiles === undefined) return DEFAULT_MAX_FILES;
  const parsed = maxFilesSchema.safeParse(maxFiles);
  if (!parsed.success) throw new ManifestError("invalid-max-files", parsed.error.issues[0]?.message ?? maxFilesMessage(maxFiles));
  return parsed.data;
}

export function assertAssetSize(size: number, key: string, absolutePath: string): void {
  if (size > MAX_ASSET_SIZE) {
    throw new ManifestError(
      "file-too-large",
      `Asset ${key} is ${formatBytes(size)} (${size} bytes); Cloudflare accepts assets of up to 25 MiB ` +
        `(${MAX_ASSET_SIZE} bytes) each. Shrink or split ${absolutePath}, or exclude it with .assetsignore ` +
        `or an ignore pattern.`,
      { path: absolutePath },
    );
  }
}

export function tooManyFilesError(directory: string, maxFiles: number): ManifestError {
  const raise =
    maxFiles < MAX_FILES_LIMIT
      ? `, or raise maxFiles (--max-files) up to ${MAX_FILES_LIMIT.toLocaleString("en-US")} (the Paid plan's and Workers for Platforms' limit)`
      : "";
  return new ManifestError(
    "too-many-files",
    `${directory} holds more than ${maxFiles.toLocaleString("en-US")} assets after ignore rules, the limit ` +
      `per Worker version. Exclude files with .assetsignore or ignore patterns${raise}.`,
    { path: directory },
  );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
