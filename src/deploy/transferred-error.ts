/**
 * Errors across a thread boundary. Structured clone keeps an Error's message and name but drops its class and
 * fields, so `error instanceof DeployError` and `error.step`, or a CloudflareApiError's status and codes, would be
 * lost between the deploy thread and the provider. A deploy thread sends each error as plain data (toTransferred)
 * and the parent rebuilds the same class with the same fields (revive), cause chain included.
 *
 * Nothing new is said here: messages were already redacted where they were made (client.ts redacts the token and
 * the upload JWT), and only the listed fields cross.
 */
import { z } from "zod";
import { CloudflareApiError, type ApiErrorKind } from "../cloudflare/errors.js";
import { ManifestError, type ManifestErrorCode } from "../manifest/errors.js";
import { DeployError, type DeployStep } from "./errors.js";
import { NamespaceNotFoundError } from "./observe.js";
import { InvalidDeployRequestError } from "./validate.js";

/** How deep a cause chain is carried; deeper causes are cut (a cycle cannot loop). */
const MAX_CAUSE_DEPTH = 4;

const DEPLOY_STEPS = ["session", "upload", "completion", "script", "read", "delete"] as const satisfies readonly DeployStep[];
const API_ERROR_KINDS = ["http", "network", "timeout", "malformed", "null-result", "schema"] as const satisfies readonly ApiErrorKind[];
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
/** DeployError subclasses a deploy can throw; each comes back as itself. */
const DEPLOY_CLASSES = ["DeployError", "NamespaceNotFoundError", "InvalidDeployRequestError"] as const;

export type TransferredError =
  | {
      kind: "deploy";
      className: (typeof DEPLOY_CLASSES)[number];
      step: DeployStep;
      message: string;
      status?: number | undefined;
      problems?: string[] | undefined;
      stack?: string | undefined;
      cause?: TransferredError | undefined;
    }
  | {
      kind: "api";
      apiKind: ApiErrorKind;
      message: string;
      status?: number | undefined;
      codes: number[];
      apiMessages: string[];
      method: string;
      path: string;
      retryable: boolean;
      attempts: number;
      retryAfterMs?: number | undefined;
      stack?: string | undefined;
      cause?: TransferredError | undefined;
    }
  | { kind: "manifest"; code: ManifestErrorCode; message: string; path?: string | undefined; stack?: string | undefined; cause?: TransferredError | undefined }
  | { kind: "other"; name: string; message: string; code?: string | undefined; stack?: string | undefined; cause?: TransferredError | undefined };

const optionalText = z.string().optional();

export const transferredErrorSchema: z.ZodType<TransferredError> = z.lazy(() =>
  z.discriminatedUnion("kind", [
    z.object({
      kind: z.literal("deploy"),
      className: z.enum(DEPLOY_CLASSES),
      step: z.enum(DEPLOY_STEPS),
      message: z.string(),
      status: z.number().optional(),
      problems: z.array(z.string()).optional(),
      stack: optionalText,
      cause: transferredErrorSchema.optional(),
    }),
    z.object({
      kind: z.literal("api"),
      apiKind: z.enum(API_ERROR_KINDS),
      message: z.string(),
      status: z.number().optional(),
      codes: z.array(z.number()),
      apiMessages: z.array(z.string()),
      method: z.string(),
      path: z.string(),
      retryable: z.boolean(),
      attempts: z.number(),
      retryAfterMs: z.number().optional(),
      stack: optionalText,
      cause: transferredErrorSchema.optional(),
    }),
    z.object({
      kind: z.literal("manifest"),
      code: z.enum(MANIFEST_CODES),
      message: z.string(),
      path: optionalText,
      stack: optionalText,
      cause: transferredErrorSchema.optional(),
    }),
    z.object({
      kind: z.literal("other"),
      name: z.string(),
      message: z.string(),
      code: optionalText,
      stack: optionalText,
      cause: transferredErrorSchema.optional(),
    }),
  ]),
);

/** An error (or anything thrown) as plain data that survives postMessage and the schema above. */
export function toTransferred(error: unknown, depth = 0): TransferredError {
  const stack = error instanceof Error && typeof error.stack === "string" ? error.stack : undefined;
  const rawCause = error instanceof Error ? error.cause : undefined;
  const cause = rawCause !== undefined && depth < MAX_CAUSE_DEPTH ? toTransferred(rawCause, depth + 1) : undefined;
  if (error instanceof CloudflareApiError) {
    return {
      kind: "api",
      apiKind: error.kind,
      message: error.message,
      status: error.status,
      codes: [...error.codes],
      apiMessages: [...error.apiMessages],
      method: error.method,
      path: error.path,
      retryable: error.retryable,
      attempts: error.attempts,
      retryAfterMs: error.retryAfterMs,
      stack,
      cause,
    };
  }
  if (error instanceof DeployError) {
    const className =
      error instanceof InvalidDeployRequestError ? "InvalidDeployRequestError" : error instanceof NamespaceNotFoundError ? "NamespaceNotFoundError" : "DeployError";
    return {
      kind: "deploy",
      className,
      step: error.step,
      message: error.message,
      status: error.status,
      problems: error instanceof InvalidDeployRequestError ? [...error.problems] : undefined,
      stack,
      cause,
    };
  }
  if (error instanceof ManifestError) return { kind: "manifest", code: error.code, message: error.message, path: error.path, stack, cause };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { kind: "other", name: error.name, message: error.message, code: typeof code === "string" ? code : undefined, stack, cause };
  }
  return { kind: "other", name: "Error", message: String(error) };
}

/** The error a TransferredError describes, as its own class with its own fields. */
export function revive(data: TransferredError): Error {
  const cause = data.cause === undefined ? undefined : revive(data.cause);
  const options = cause === undefined ? undefined : { cause };
  let error: Error;
  switch (data.kind) {
    case "api":
      error = new CloudflareApiError({
        kind: data.apiKind,
        message: data.message,
        ...(data.status !== undefined ? { status: data.status } : {}),
        codes: data.codes,
        apiMessages: data.apiMessages,
        method: data.method,
        path: data.path,
        retryable: data.retryable,
        attempts: data.attempts,
        ...(data.retryAfterMs !== undefined ? { retryAfterMs: data.retryAfterMs } : {}),
        ...(cause !== undefined ? { cause } : {}),
      });
      break;
    case "deploy":
      if (data.className === "InvalidDeployRequestError") {
        error = new InvalidDeployRequestError("session", data.message, undefined, { problems: data.problems ?? [] });
      } else {
        error = new DeployError(data.step, data.message, data.status, options);
        // NamespaceNotFoundError builds its message from a target; the message is already made, so only its class
        // (and thus `instanceof`) is restored.
        if (data.className === "NamespaceNotFoundError") Object.setPrototypeOf(error, NamespaceNotFoundError.prototype);
      }
      break;
    case "manifest":
      error = new ManifestError(data.code, data.message, { ...(data.path !== undefined ? { path: data.path } : {}), ...(cause !== undefined ? { cause } : {}) });
      break;
    case "other":
      error = new Error(data.message, options);
      error.name = data.name;
      if (data.code !== undefined) (error as NodeJS.ErrnoException).code = data.code;
      break;
  }
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}
