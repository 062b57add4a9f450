/**
 * The errors a deploy can throw, as they cross from a deploy thread to its caller (src/worker-thread/carried-error.ts):
 * each comes back as its own class with its own fields, so `error instanceof DeployError`, `error.step`, or a
 * CloudflareApiError's status and codes mean the same whichever thread deployed. Subclasses come before DeployError.
 */
import { z } from "zod";
import { CloudflareApiError, type ApiErrorKind } from "../cloudflare/errors.js";
import { manifestErrorType } from "../manifest/thread-errors.js";
import { errorType, type ErrorType } from "../worker-thread/index.js";
import { DeployError, type DeployStep } from "./errors.js";
import { NamespaceNotFoundError } from "./observe.js";
import { InvalidDeployRequestError } from "./validate.js";

const DEPLOY_STEPS = ["session", "upload", "completion", "script", "read", "delete"] as const satisfies readonly DeployStep[];
const API_ERROR_KINDS = ["http", "network", "timeout", "malformed", "null-result", "schema"] as const satisfies readonly ApiErrorKind[];

const apiErrorType = errorType({
  type: "CloudflareApiError",
  matches: (error): error is CloudflareApiError => error instanceof CloudflareApiError,
  toFields: (error) => ({
    kind: error.kind,
    status: error.status,
    codes: [...error.codes],
    apiMessages: [...error.apiMessages],
    method: error.method,
    path: error.path,
    retryable: error.retryable,
    attempts: error.attempts,
    retryAfterMs: error.retryAfterMs,
  }),
  fields: z.object({
    kind: z.enum(API_ERROR_KINDS),
    status: z.number().optional(),
    codes: z.array(z.number()),
    apiMessages: z.array(z.string()),
    method: z.string(),
    path: z.string(),
    retryable: z.boolean(),
    attempts: z.number(),
    retryAfterMs: z.number().optional(),
  }),
  rebuild: (message, { status, retryAfterMs, ...fields }, cause) =>
    new CloudflareApiError({
      ...fields,
      message,
      ...(status !== undefined ? { status } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...(cause !== undefined ? { cause } : {}),
    }),
});

const invalidRequestType = errorType({
  type: "InvalidDeployRequestError",
  matches: (error): error is InvalidDeployRequestError => error instanceof InvalidDeployRequestError,
  toFields: (error) => ({ problems: [...error.problems] }),
  fields: z.object({ problems: z.array(z.string()) }),
  rebuild: (message, { problems }) => new InvalidDeployRequestError("session", message, undefined, { problems }),
});

const deployFields = z.object({ step: z.enum(DEPLOY_STEPS), status: z.number().optional() });

const namespaceNotFoundType = errorType({
  type: "NamespaceNotFoundError",
  matches: (error): error is NamespaceNotFoundError => error instanceof NamespaceNotFoundError,
  toFields: (error) => ({ step: error.step, status: error.status }),
  fields: deployFields,
  // Its constructor builds the message from a target; the message is already made, so only the class is restored.
  rebuild: (message, { step, status }, cause) => Object.setPrototypeOf(new DeployError(step, message, status, cause === undefined ? undefined : { cause }), NamespaceNotFoundError.prototype) as Error,
});

const deployErrorType = errorType({
  type: "DeployError",
  matches: (error): error is DeployError => error instanceof DeployError,
  toFields: (error) => ({ step: error.step, status: error.status }),
  fields: deployFields,
  rebuild: (message, { step, status }, cause) => new DeployError(step, message, status, cause === undefined ? undefined : { cause }),
});

export const DEPLOY_ERROR_TYPES: readonly ErrorType[] = [apiErrorType, invalidRequestType, namespaceNotFoundType, deployErrorType, manifestErrorType];
