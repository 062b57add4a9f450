/** The API paths the suite calls, relative to the API base (…/client/v4). */

const seg = encodeURIComponent;

export const namespacesPath = (account: string): string => `/accounts/${seg(account)}/workers/dispatch/namespaces`;
export const namespacePath = (account: string, ns: string): string => `${namespacesPath(account)}/${seg(ns)}`;
export const scriptsPath = (account: string, ns: string): string => `${namespacePath(account, ns)}/scripts`;
export const scriptPath = (account: string, ns: string, script: string): string => `${scriptsPath(account, ns)}/${seg(script)}`;
export const sessionPath = (account: string, ns: string, script: string): string => `${scriptPath(account, ns, script)}/assets-upload-session`;
export const settingsPath = (account: string, ns: string, script: string): string => `${scriptPath(account, ns, script)}/settings`;
export const tagsPath = (account: string, ns: string, script: string): string => `${scriptPath(account, ns, script)}/tags`;
/** Bucket uploads go to the account route for namespace scripts too. */
export const uploadPath = (account: string): string => `/accounts/${seg(account)}/workers/assets/upload?base64=true`;

/**
 * A tag filter as Cloudflare documents it: `tags=<tag>:yes,<other>:no`. Each tag is percent-encoded (owner tags hold
 * `=` and `/`); the `:yes`/`:no` and the commas are the syntax.
 */
export function tagFilter(filter: Array<[tag: string, wanted: boolean]>): string {
  return filter.map(([tag, wanted]) => `${seg(tag)}:${wanted ? "yes" : "no"}`).join(",");
}
