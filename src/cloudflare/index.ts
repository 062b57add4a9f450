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
  budgetKey,
  callsAllowedNow,
  formatBudgetWait,
  parseRateLimit,
  parseRateLimitPolicy,
  sharedBudget,
  withRequestObserver,
  type AcquireOptions,
  type ApiBudget,
  type BudgetPermit,
  type BudgetSnapshot,
  type BudgetWait,
  type BudgetWaitObserver,
  type BudgetWaitReason,
  type RateLimitPolicy,
  type RateLimitRemaining,
  type RequestBudgetOptions,
  type RequestObserver,
} from "./budget/index.js";
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
