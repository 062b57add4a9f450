export type ManifestErrorCode =
  | "directory-missing"
  | "not-a-directory"
  | "empty-directory"
  | "file-too-large"
  | "too-many-files"
  | "invalid-max-files"
  | "symlink-escape"
  | "symlink-loop"
  | "unreadable-file"
  | "pages-worker-js"
  | "changed-during-deploy";

/**
 * Every problem with the asset directory that the user can fix. The message names the input and the fix;
 * `path` (absolute, when there is one) lets callers point at the offending file without parsing the message.
 */
export class ManifestError extends Error {
  override readonly name = "ManifestError";
  readonly code: ManifestErrorCode;
  readonly path?: string;

  constructor(code: ManifestErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.path !== undefined) this.path = options.path;
  }
}

export function isManifestError(value: unknown): value is ManifestError {
  return value instanceof ManifestError;
}

/** The errno code of a Node fs error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") return error.code;
  return undefined;
}

/** A short reason for an fs failure, for messages ("permission denied (EACCES)"). */
export function describeFsError(error: unknown): string {
  const code = errnoCode(error);
  switch (code) {
    case "EACCES":
    case "EPERM":
      return `permission denied (${code})`;
    case "ENOENT":
      return "it does not exist (ENOENT)";
    case "EISDIR":
      return "it is a directory (EISDIR)";
    case "ELOOP":
      return "too many levels of symbolic links (ELOOP)";
    case "EIO":
      return "I/O error (EIO)";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
