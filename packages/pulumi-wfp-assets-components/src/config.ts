import { PACKAGE_NAME } from "./resources.js";

/** What the library's provider reads its settings through (src/provider/settings.ts `ConfigReader`). */
export interface ConfigReader {
  get(key: string): string | undefined;
}

/**
 * The library's provider reads credentials as `cloudflare:<key>` and transport settings as `wfp-assets:<key>`. The
 * engine configures a package's provider only with that package's own stack config, which reaches this plugin as
 * `wfp-assets:config:<key>`; so in a program that uses the component package, credentials are set as
 * `wfp-assets:apiToken` (etc.), next to the transport settings. The environment (CLOUDFLARE_API_TOKEN, …) works as
 * everywhere else.
 */
export function packageConfigReader(variables: ReadonlyMap<string, string>): ConfigReader {
  return {
    get(key) {
      const colon = key.indexOf(":");
      const namespace = key.slice(0, colon);
      const name = key.slice(colon + 1);
      if (colon < 0 || (namespace !== "cloudflare" && namespace !== PACKAGE_NAME)) return undefined;
      return variables.get(`${PACKAGE_NAME}:config:${name}`) ?? variables.get(`${PACKAGE_NAME}:${name}`);
    },
  };
}
