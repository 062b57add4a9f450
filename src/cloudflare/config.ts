/** Where the client talks to and with which credentials, resolved from options and the environment. */

export const DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4";

export type Credentials = { apiToken: string } | { apiKey: string; email: string };

/** Names the stack config keys and variables to set, because "not authenticated" alone is not actionable. */
export class MissingCredentialsError extends Error {
  constructor(detail?: string) {
    super(
      (detail ? `${detail} ` : "No Cloudflare credentials found. ") +
        "Set an API token with the `cloudflare:apiToken` stack config " +
        "(pulumi config set --secret cloudflare:apiToken <token>) or the CLOUDFLARE_API_TOKEN environment variable; " +
        "or, for a legacy global API key, set both `cloudflare:apiKey` and `cloudflare:email` " +
        "(or CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL).",
    );
    this.name = "MissingCredentialsError";
  }
}

/** A setting that is present but unusable (bad base URL, a credential with whitespace inside). */
export class CloudflareConfigError extends Error {
  /** The variable, option or config key that holds the bad value. */
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(message);
    this.name = "CloudflareConfigError";
    this.setting = setting;
  }
}

export interface ConfigOverrides {
  baseUrl?: string;
  apiToken?: string;
  apiKey?: string;
  email?: string;
}

export interface ResolvedCloudflareConfig {
  baseUrl: string;
  credentials: Credentials;
}

/** Empty strings count as unset: CI systems often export a declared-but-empty secret. */
function present(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/**
 * Validates and normalises a base URL: full prefix including `/client/v4`, as wrangler's
 * CLOUDFLARE_API_BASE_URL. `setting` names where the value came from, for the error message.
 */
export function normalizeBaseUrl(raw: string, setting: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new CloudflareConfigError(
      setting,
      `${setting} is not a valid URL (got ${JSON.stringify(raw.slice(0, 200))}); ` +
        `expected the full API prefix, e.g. ${DEFAULT_BASE_URL} or http://127.0.0.1:8787/client/v4.`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CloudflareConfigError(
      setting,
      `${setting} must be an http(s) URL (got protocol ${JSON.stringify(url.protocol)}); ` +
        `expected e.g. ${DEFAULT_BASE_URL}.`,
    );
  }
  if (url.search !== "" || url.hash !== "") {
    throw new CloudflareConfigError(
      setting,
      `${setting} must not contain a query string or fragment; give only the prefix, e.g. ${DEFAULT_BASE_URL}.`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new CloudflareConfigError(setting, `${setting} must not contain user info; pass credentials separately.`);
  }
  // Resource paths start with "/", so a trailing slash would produce "//accounts/...".
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** Explicit value, then CLOUDFLARE_API_BASE_URL, then its deprecated alias CF_API_BASE_URL, then the default. */
export function resolveBaseUrl(env: NodeJS.ProcessEnv, override?: string): string {
  const explicit = present(override);
  if (explicit !== undefined) return normalizeBaseUrl(explicit, "the baseUrl option");
  const current = present(env.CLOUDFLARE_API_BASE_URL);
  if (current !== undefined) return normalizeBaseUrl(current, "CLOUDFLARE_API_BASE_URL");
  const legacy = present(env.CF_API_BASE_URL);
  if (legacy !== undefined) return normalizeBaseUrl(legacy, "CF_API_BASE_URL (deprecated alias of CLOUDFLARE_API_BASE_URL)");
  return DEFAULT_BASE_URL;
}

/**
 * Header values cannot carry whitespace or control characters; undici would reject them with an
 * error far from the cause, so fail here and name the setting (never the value).
 */
export function assertHeaderSafe(value: string, setting: string): void {
  if (!/^[\x21-\x7e]+$/.test(value)) {
    throw new CloudflareConfigError(
      setting,
      `${setting} contains spaces, line breaks or non-ASCII characters; check that the whole value was copied and nothing else.`,
    );
  }
}

function tokenCredentials(apiToken: string, setting: string): Credentials {
  assertHeaderSafe(apiToken, setting);
  return { apiToken };
}

function keyCredentials(apiKey: string, email: string, keySetting: string, emailSetting: string): Credentials {
  assertHeaderSafe(apiKey, keySetting);
  assertHeaderSafe(email, emailSetting);
  return { apiKey, email };
}

/**
 * Explicit overrides win (all from one source: mixing a key from stack config with an email from the
 * environment would be surprising), then CLOUDFLARE_API_TOKEN, then CLOUDFLARE_API_KEY + CLOUDFLARE_EMAIL.
 * Returns undefined when nothing is set anywhere; throws when a pair is half set.
 */
export function resolveCredentials(env: NodeJS.ProcessEnv, overrides: ConfigOverrides = {}): Credentials | undefined {
  const oToken = present(overrides.apiToken);
  const oKey = present(overrides.apiKey);
  const oEmail = present(overrides.email);
  if (oToken !== undefined) return tokenCredentials(oToken, "`cloudflare:apiToken` (apiToken)");
  if (oKey !== undefined || oEmail !== undefined) {
    if (oKey === undefined || oEmail === undefined) {
      const [set, missing] = oKey === undefined ? ["email", "apiKey"] : ["apiKey", "email"];
      throw new MissingCredentialsError(
        `\`cloudflare:${set}\` is set but \`cloudflare:${missing}\` is not: a global API key needs both.`,
      );
    }
    return keyCredentials(oKey, oEmail, "`cloudflare:apiKey` (apiKey)", "`cloudflare:email` (email)");
  }

  const eToken = present(env.CLOUDFLARE_API_TOKEN);
  if (eToken !== undefined) return tokenCredentials(eToken, "CLOUDFLARE_API_TOKEN");
  const eKey = present(env.CLOUDFLARE_API_KEY);
  const eEmail = present(env.CLOUDFLARE_EMAIL);
  if (eKey !== undefined || eEmail !== undefined) {
    if (eKey === undefined || eEmail === undefined) {
      const [set, missing] = eKey === undefined ? ["CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY"] : ["CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL"];
      throw new MissingCredentialsError(`${set} is set but ${missing} is not: a global API key needs both.`);
    }
    return keyCredentials(eKey, eEmail, "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL");
  }
  return undefined;
}

/** Pure: reads only `input.env` (default process.env). Throws MissingCredentialsError when no credentials are found. */
export function resolveCloudflareConfig(
  input: { env?: NodeJS.ProcessEnv; overrides?: ConfigOverrides } = {},
): ResolvedCloudflareConfig {
  const env = input.env ?? process.env;
  const overrides = input.overrides ?? {};
  const baseUrl = resolveBaseUrl(env, overrides.baseUrl);
  const credentials = resolveCredentials(env, overrides);
  if (credentials === undefined) throw new MissingCredentialsError();
  return { baseUrl, credentials };
}
