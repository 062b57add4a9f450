import {
  CloudflareClient,
  CloudflareConfigError,
  formatBudgetWait,
  MissingCredentialsError,
  resolveCloudflareConfig,
  resolveTransportSettings,
  TRANSPORT_SETTINGS,
  type BudgetWait,
  type ClientOptions,
  type ConfigOverrides,
  type TransportSettingKey,
  type TransportSettingsInput,
} from "../cloudflare/index.js";
import { SHARD_CONFIG_KEY } from "../rules/shards.js";

/** The stack config keys the provider reads for credentials (namespace `cloudflare:`), as @pulumi/cloudflare names them. */
export const CONFIG_KEYS = {
  apiToken: "cloudflare:apiToken",
  apiKey: "cloudflare:apiKey",
  email: "cloudflare:email",
  baseUrl: "cloudflare:baseUrl",
} as const;

/**
 * Transport settings (timeouts, retries, upload concurrency, the API budget) come from stack config under this
 * namespace, e.g. `pulumi config set wfp-assets:apiBudget 600/300`; the WFP_ASSETS_* environment fills the rest
 * (src/cloudflare/transport-settings.ts).
 */
export const TRANSPORT_CONFIG_NAMESPACE = "wfp-assets";

export interface ConfigReader {
  get(key: string): string | undefined;
}

/** What configure() reads once per provider process. */
export interface ProviderConfig extends ConfigOverrides {
  transport?: TransportSettingsInput;
  /**
   * `wfp-assets:shard` as given: the stack is one shard of a fleet, so its creates take tenants over from the
   * project's other stacks (src/deploy/ownership.ts). The program validates the value (src/tenant-sites/shards.ts).
   */
  shard?: string;
}

/** Reads the provider's stack config once in configure(); env vars fill what the stack leaves unset. */
export function readProviderConfig(config: ConfigReader): ProviderConfig {
  const overrides: ProviderConfig = {};
  for (const [field, key] of Object.entries(CONFIG_KEYS) as [keyof ConfigOverrides, string][]) {
    const value = config.get(key);
    if (value !== undefined && value !== "") overrides[field] = value;
  }
  const transport: Record<string, string> = {};
  for (const key of Object.keys(TRANSPORT_SETTINGS) as TransportSettingKey[]) {
    const value = config.get(`${TRANSPORT_CONFIG_NAMESPACE}:${key}`);
    if (value !== undefined && value !== "") transport[key] = value;
  }
  if (Object.keys(transport).length > 0) overrides.transport = transport as TransportSettingsInput;
  const shard = config.get(SHARD_CONFIG_KEY);
  if (shard !== undefined && shard.trim() !== "") overrides.shard = shard;
  return overrides;
}

/**
 * A client for one provider call. Credentials never leave this process: they come from stack config (secret config
 * arrives decrypted) or the environment, and are not part of any input, output or the serialized provider. Every
 * client of the process shares one request budget per API origin and credential (src/cloudflare/budget/registry.ts),
 * so a stack of a thousand tenants paces its calls together. `log` hears this client's waits for the budget, once
 * per wait (a deploy's requests report to the deploy's progress instead: src/cloudflare/budget/observe.ts).
 */
export function createClient(config: ProviderConfig, log?: (line: string) => void, onRetry?: ClientOptions["onRetry"]): CloudflareClient {
  const { baseUrl, credentials } = resolveCloudflareConfig({ env: process.env, overrides: config });
  const transport = resolveTransportSettings({ input: config.transport, env: process.env });
  const onBudgetWait = log && ((wait: BudgetWait): void => log(formatBudgetWait(wait)));
  return new CloudflareClient({ baseUrl, credentials, transport, onRetry, onBudgetWait, userAgent: "pulumi-wfp-assets" });
}

/**
 * Missing or unusable credentials, base URL or transport settings as check() failures, so `pulumi preview` reports
 * them before any API call instead of `pulumi up` failing at its first request. Nothing is sent anywhere: a token that
 * is set but rejected can only be found out by the API, at deploy time. (`property: ""` = the resource as a whole.)
 */
export function credentialFailures(config: ProviderConfig, env: NodeJS.ProcessEnv = process.env): Array<{ property: string; reason: string }> {
  const failures: Array<{ property: string; reason: string }> = [];
  for (const check of [() => resolveCloudflareConfig({ env, overrides: config }), () => resolveTransportSettings({ input: config.transport, env })]) {
    try {
      check();
    } catch (error) {
      if (error instanceof MissingCredentialsError || error instanceof CloudflareConfigError) failures.push({ property: "", reason: error.message });
      else throw error;
    }
  }
  return failures;
}
