/**
 * API paths (relative to the base URL). Every caller-supplied segment is percent-encoded so a name
 * can never change which resource a request addresses.
 */

/** A Worker script, on the account route or (with `namespace`) inside a WfP dispatch namespace. */
export interface ScriptTarget {
  accountId: string;
  namespace?: string;
  scriptName: string;
}

const seg = encodeURIComponent;

function accountPath(accountId: string): string {
  return `/accounts/${seg(accountId)}`;
}

function scriptPath(t: ScriptTarget): string {
  const base = accountPath(t.accountId);
  // An empty namespace is a caller bug, not "the account route": falling back would deploy to the wrong place.
  if (t.namespace !== undefined) {
    if (t.namespace === "") throw new RangeError("ScriptTarget.namespace is empty; omit it for an account-level script.");
    return `${base}/workers/dispatch/namespaces/${seg(t.namespace)}/scripts/${seg(t.scriptName)}`;
  }
  return `${base}/workers/scripts/${seg(t.scriptName)}`;
}

export const routes = {
  /** PUT (upload), GET (namespace: script info), DELETE. */
  scriptPath,
  /** GET / PATCH the script's settings (bindings, compatibility, tags; no asset config). */
  scriptSettingsPath: (t: ScriptTarget): string => `${scriptPath(t)}/settings`,
  /** GET the script source; PUT replaces code only. */
  scriptContentPath: (t: ScriptTarget): string => `${scriptPath(t)}/content`,
  /**
   * POST the asset manifest. Must be on the same route family as the script PUT: a session opened on
   * the account route yields a completion JWT the namespaced PUT rejects (alchemy-run/alchemy PR #1405).
   */
  uploadSessionPath: (t: ScriptTarget): string => `${scriptPath(t)}/assets-upload-session`,
  /** Account-level for Workers and WfP alike; `base64=true` is mandatory. */
  bulkUploadPath: (accountId: string): string => `${accountPath(accountId)}/workers/assets/upload?base64=true`,
  /** Per-file mode (raw bytes, no query string). */
  fileUploadPath: (accountId: string, hash: string): string => `${accountPath(accountId)}/workers/assets/upload/${seg(hash)}`,
  /** GET lists the account's scripts (the account-route script GET returns code, not JSON). */
  accountScriptsPath: (accountId: string): string => `${accountPath(accountId)}/workers/scripts`,
  /** GET lists, POST `{ name }` creates. */
  namespacesPath: (accountId: string): string => `${accountPath(accountId)}/workers/dispatch/namespaces`,
  /** GET / DELETE one dispatch namespace. */
  namespacePath: (accountId: string, namespace: string): string =>
    `${accountPath(accountId)}/workers/dispatch/namespaces/${seg(namespace)}`,
  /** GET the scripts of a namespace (`tags`, `limit`, `cursor` as query). */
  namespaceScriptsPath: (accountId: string, namespace: string): string =>
    `${accountPath(accountId)}/workers/dispatch/namespaces/${seg(namespace)}/scripts`,
};
