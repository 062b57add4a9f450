/**
 * The environment of a service process (service-process.ts) that deploys to a test's emulator: the pinned
 * Pulumi CLI, the emulator as its Cloudflare API, and nothing inherited from the shell that could point it
 * elsewhere (another token, backend or passphrase). One place for what the e2e files and the bench share.
 */
import path from "node:path";
import { EMULATOR_ACCOUNT } from "../fixtures/emulator.mjs";
import { pulumiBinDir } from "../fixtures/repo.mjs";

export interface ServiceEnvOptions {
  dataDir: string;
  /** The emulator's API base (…/client/v4) and a token it accepts. */
  emulator: { url: string; token: string; account?: string };
  /** A shared Postgres; without it the service starts its embedded one in the data directory. */
  databaseUrl?: string;
  /** Anything else (PLATFORM_NAMESPACE, PLATFORM_LEASE_SECONDS, …); `undefined` removes a variable. */
  extra?: Record<string, string | undefined>;
}

export async function serviceEnv(options: ServiceEnvOptions): Promise<Record<string, string | undefined>> {
  return {
    PLATFORM_DATA_DIR: options.dataDir,
    PLATFORM_PULUMI_ROOT: path.dirname(await pulumiBinDir()),
    DATABASE_URL: options.databaseUrl,
    CLOUDFLARE_API_BASE_URL: options.emulator.url,
    CLOUDFLARE_API_TOKEN: options.emulator.token,
    CLOUDFLARE_ACCOUNT_ID: options.emulator.account ?? EMULATOR_ACCOUNT,
    CLOUDFLARE_API_KEY: undefined,
    CLOUDFLARE_EMAIL: undefined,
    CF_API_BASE_URL: undefined,
    PULUMI_BACKEND_URL: undefined,
    PULUMI_CONFIG_PASSPHRASE: undefined,
    ...options.extra,
  };
}
