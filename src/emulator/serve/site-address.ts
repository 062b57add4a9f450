/**
 * Which deployed site a request names, from its Host header (`<script>.<namespace>.localhost[:port]`,
 * `<script>.localhost[:port]`) or from the path-based fallback (`/__sites/<namespace>/<script>/<path>`,
 * `/__sites/~account/<script>/<path>`) for clients that cannot resolve `*.localhost`. Pure functions: no state.
 */

export const SITES_PATH = "/__sites";
/** Stands for "the account's own scripts" in fallback paths; `~` cannot occur in a namespace name. */
export const ACCOUNT_SEGMENT = "~account";
const LOCALHOST_SUFFIX = ".localhost";

/** A site by name: a dispatch-namespace script, or an account script (`namespace` undefined). */
export interface SiteName {
  namespace: string | undefined;
  script: string;
}

export type HostMatch = { kind: "site"; name: SiteName } | { kind: "bad-site-host"; host: string } | { kind: "api" };

/**
 * Classifies a Host header. Host names are case-insensitive, so labels come back lower-cased; names are
 * matched case-insensitively later. `localhost`, IP addresses and other names stay with the API.
 */
export function matchSiteHost(hostHeader: string | undefined): HostMatch {
  if (!hostHeader) return { kind: "api" };
  const host = stripPort(hostHeader.trim().toLowerCase()).replace(/\.$/, "");
  if (!host.endsWith(LOCALHOST_SUFFIX)) return { kind: "api" };
  const labels = host.slice(0, -LOCALHOST_SUFFIX.length).split(".");
  if (labels.some((l) => l.length === 0)) return { kind: "bad-site-host", host };
  if (labels.length === 1) return { kind: "site", name: { namespace: undefined, script: labels[0]! } };
  if (labels.length === 2) return { kind: "site", name: { namespace: labels[1]!, script: labels[0]! } };
  return { kind: "bad-site-host", host };
}

export type FallbackMatch =
  | { kind: "list" }
  | { kind: "site"; name: SiteName; /** the prefix to strip and to put back on root-relative redirects */ prefix: string; /** path + query for the site */ path: string }
  | { kind: "bad-fallback-path" }
  | { kind: "none" };

/** Parses `/__sites…` (path and query as sent, still percent-encoded). */
export function matchFallbackPath(pathAndQuery: string): FallbackMatch {
  const queryAt = pathAndQuery.indexOf("?");
  const pathname = queryAt === -1 ? pathAndQuery : pathAndQuery.slice(0, queryAt);
  const query = queryAt === -1 ? "" : pathAndQuery.slice(queryAt);
  if (pathname !== SITES_PATH && !pathname.startsWith(`${SITES_PATH}/`)) return { kind: "none" };
  const rest = pathname.slice(SITES_PATH.length + 1);
  if (rest === "") return { kind: "list" };
  const [first, second, ...tail] = rest.split("/");
  if (!first || !second) return { kind: "bad-fallback-path" };
  const namespace = first === ACCOUNT_SEGMENT ? undefined : first;
  const prefix = `${SITES_PATH}/${first}/${second}`;
  return { kind: "site", name: { namespace, script: second }, prefix, path: `/${tail.join("/")}${query}` };
}

/** The Host a site answers on (what the Worker sees in `request.url`). */
export function siteHost(name: SiteName, port: number): string {
  const labels = name.namespace === undefined ? [name.script] : [name.script, name.namespace];
  return `${labels.join(".").toLowerCase()}${LOCALHOST_SUFFIX}:${port}`;
}

export function siteFallbackPath(name: SiteName): string {
  return `${SITES_PATH}/${name.namespace ?? ACCOUNT_SEGMENT}/${name.script}/`;
}

/** Puts the fallback prefix back on a root-relative Location, so a redirect stays under the prefix. */
export function prefixLocation(location: string, prefix: string): string {
  return location.startsWith("/") && !location.startsWith("//") ? `${prefix}${location}` : location;
}

function stripPort(host: string): string {
  if (host.startsWith("[")) return host; // IPv6 literal: never a site host
  const colon = host.lastIndexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}
