export {
  DEFAULT_BASE_URL,
  MissingCredentialsError,
  CloudflareConfigError,
  normalizeBaseUrl,
  resolveBaseUrl,
  resolveCredentials,
  resolveCloudflareConfig,
  type Credentials,
  type ConfigOverrides,
  type ResolvedCloudflareConfig,
} from "./config.js";
export {
  CloudflareClient,
  DEFAULT_TIMEOUT_MS,
  type ApiRequest,
  type ApiResponse,
  type ClientOptions,
  type HttpMethod,
  type RetryEvent,
} from "./client.js";
export { CloudflareApiError, type ApiErrorKind, type CloudflareApiErrorInit } from "./errors.js";
export { DEFAULT_RETRY_POLICY, backoffDelayMs, parseRetryAfterMs, isRetryableStatus, type RetryPolicy } from "./retry-policy.js";
export { interpretResponse, envelopeSchema } from "./envelope.js";
export { redactSecrets } from "./redact.js";
export { routes, type ScriptTarget } from "./routes.js";
export {
  uploadSessionResultSchema,
  uploadResultSchema,
  scriptObjectSchema,
  scriptResultSchema,
  scriptInfoSchema,
  dispatchNamespaceSchema,
  dispatchNamespaceListSchema,
  ignoredResultSchema,
  type UploadSessionResult,
  type UploadResult,
  type ScriptObject,
  type ScriptResult,
  type ScriptInfoResult,
  type DispatchNamespace,
} from "./schemas.js";
export {
  validators,
  accountIdSchema,
  scriptNameSchema,
  namespaceNameSchema,
  compatibilityDateSchema,
  NAME_MAX_LENGTH,
} from "./validators.js";
