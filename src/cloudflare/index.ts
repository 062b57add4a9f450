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
  RATE_LIMIT_BLOCK_MS,
  type ApiRequest,
  type ApiResponse,
  type ClientOptions,
  type HttpMethod,
  type RetryEvent,
} from "./client.js";
export { CloudflareApiError, type ApiErrorKind, type CloudflareApiErrorInit } from "./errors.js";
export { DEFAULT_RETRY_POLICY, backoffDelayMs, gatewayDelayMs, parseRetryAfterMs, isRetryableStatus, type RetryPolicy } from "./retry-policy.js";
export {
  TRANSPORT_SETTINGS,
  TransportSettingError,
  defaultTransportSettings,
  describeSetting,
  reservedCalls,
  resolveTransportSettings,
  transportSettingsInputSchema,
  type BudgetReserve,
  type BudgetSettings,
  type RetrySettings,
  type TransportSettingKey,
  type TransportSettings,
  type TransportSettingsInput,
} from "./transport-settings.js";
export {
  RequestBudget,
  RateLimitWaitExceeded,
  formatBudgetWait,
  type AcquireOptions,
  type BudgetPermit,
  type BudgetWait,
  type BudgetWaitReason,
  type RequestBudgetOptions,
} from "./request-budget.js";
export { budgetKey, sharedBudget } from "./budget-registry.js";
export { withRequestObserver, currentRequestObserver, type RequestObserver } from "./request-scope.js";
export { parseRateLimit, parseRateLimitPolicy, type RateLimitPolicy, type RateLimitRemaining } from "./rate-limit-headers.js";
export { parseDurationMs, formatWait } from "./durations.js";
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
