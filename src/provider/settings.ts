import { CloudflareClient, resolveCloudflareConfig, type ClientOptions, type ConfigOverrides } from "../cloudflare/index.js";

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
