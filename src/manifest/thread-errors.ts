/**
 * ManifestError across a thread boundary (src/worker-thread/carried-error.ts): its code and path come back, so a
 * caller still tells a missing folder or a file over the limit from a bug, whichever thread built the manifest.
 */
import { z } from "zod";
import { errorType } from "../worker-thread/index.js";
import { ManifestError, type ManifestErrorCode } from "./errors.js";

const MANIFEST_CODES = [
  "directory-missing",
  "not-a-directory",
  "empty-directory",
  "file-too-large",
  "too-many-files",
  "invalid-max-files",
  "symlink-escape",
  "symlink-loop",
  "unreadable-file",
  "pages-worker-js",
  "changed-during-deploy",
] as const satisfies readonly ManifestErrorCode[];

export const manifestErrorType = errorType({
  type: "ManifestError",
  matches: (error): error is ManifestError => error instanceof ManifestError,
  toFields: (error) => ({ code: error.code, path: error.path }),
  fields: z.object({ code: z.enum(MANIFEST_CODES), path: z.string().optional() }),
  rebuild: (message, { code, path }, cause) =>
    new ManifestError(code, message, { ...(path !== undefined ? { path } : {}), ...(cause !== undefined ? { cause } : {}) }),
});
