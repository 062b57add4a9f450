import {
  CloudflareClient,
  CloudflareConfigError,
  MissingCredentialsError,
  resolveCloudflareConfig,
  type ClientOptions,
  type ConfigOverrides,
} from "../cloudflare/index.js";

/** The stack config keys the provider reads (namespace `cloudflare:`), as @pulumi/cloudflare names them. */
export const CONFIG_KEYS = {
  apiToken: "cloudflare:apiToken",
  apiKey: "cloudflare:apiKey",
  email: "cloudflare:email",
  baseUrl: "cloudflare:baseUrl",
} as const;

export interface ConfigReader {
  get(key: string): string | undefined;
}

/** Reads the provider's stack config once in configure(); env vars fill what the stack leaves unset. */
export function readProviderConfig(config: ConfigReader): ConfigOverrides {
  const overrides: ConfigOverrides = {};
  for (const [field, key] of Object.entries(CONFIG_KEYS) as [keyof ConfigOverrides, string][]) {
    const value = config.get(key);
    if (value !== undefined && value !== "") overrides[field] = value;
  }
  return overrides;
}

/**
 * A client for one provider call. Credentials never leave this process: they come from stack
 * config (secret config arrives decrypted) or the environment, and are not part of any input,
 * output or the serialized provider.
 */
export function createClient(overrides: ConfigOverrides, onRetry?: ClientOptions["onRetry"]): CloudflareClient {
  const { baseUrl, credentials } = resolveCloudflareConfig({ env: process.env, overrides });
  return new CloudflareClient({ baseUrl, credentials, onRetry, userAgent: "pulumi-wfp-assets" });
}

/**
 * Missing or unusable credentials / base URL as check() failures, so `pulumi preview` reports them before any
 * API call instead of `pulumi up` failing at its first request. Nothing is sent anywhere: a token that is set but
 * rejected can only be found out by the API, at deploy time. (`property: ""` = the resource as a whole.)
 */
export function credentialFailures(overrides: ConfigOverrides, env: NodeJS.ProcessEnv = process.env): Array<{ property: string; reason: string }> {
  try {
    resolveCloudflareConfig({ env, overrides });
    return [];
  } catch (error) {
    if (error instanceof MissingCredentialsError || error instanceof CloudflareConfigError) return [{ property: "", reason: error.message }];
    throw error;
  }
}
