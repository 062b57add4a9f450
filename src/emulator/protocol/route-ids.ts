/**
 * Stable ids of the emulator's routes. They key the `requests` counters in the stats and select routes in fault
 * specs, so they are part of the emulator's documented surface (src/emulator/README.md).
 */
export const RouteId = {
  listNamespaces: "GET namespaces",
  createNamespace: "POST namespaces",
  getNamespace: "GET namespace",
  deleteNamespace: "DELETE namespace",
  listNamespaceScripts: "GET namespace-scripts",
  putNamespaceScript: "PUT namespace-script",
  getNamespaceScript: "GET namespace-script",
  deleteNamespaceScript: "DELETE namespace-script",
  getNamespaceScriptSettings: "GET namespace-script-settings",
  getNamespaceScriptContent: "GET namespace-script-content",
  getNamespaceScriptTags: "GET namespace-script-tags",
  putNamespaceScriptTags: "PUT namespace-script-tags",
  putNamespaceScriptTag: "PUT namespace-script-tag",
  deleteNamespaceScriptTag: "DELETE namespace-script-tag",
  deleteNamespaceScriptsByTag: "DELETE namespace-scripts",
  namespaceSession: "POST namespace-assets-upload-session",
  accountSession: "POST account-assets-upload-session",
  bulkUpload: "POST /workers/assets/upload",
  fileUpload: "POST /workers/assets/upload/{hash}",
  listAccountScripts: "GET account-scripts",
  putAccountScript: "PUT account-script",
  getAccountScript: "GET account-script",
  deleteAccountScript: "DELETE account-script",
  getAccountScriptSettings: "GET account-script-settings",
  getAccountScriptContent: "GET account-script-content",
  getAccountScriptContentV2: "GET account-script-content-v2",
  getService: "GET service",
  listDeployments: "GET account-script-deployments",
  createDeployment: "POST account-script-deployments",
  createVersion: "POST account-script-versions",
  listSecrets: "GET account-script-secrets",
  getScriptSettings: "GET account-script-script-settings",
  patchScriptSettings: "PATCH account-script-script-settings",
  getSubdomain: "GET subdomain",
  getScriptSubdomain: "GET account-script-subdomain",
  postScriptSubdomain: "POST account-script-subdomain",
  getWorker: "GET worker",
  verifyToken: "GET /user/tokens/verify",
} as const;

export type RouteIdValue = (typeof RouteId)[keyof typeof RouteId];

/** Counted under the account for requests that match no route (`"<METHOD> unknown"`). */
export function unknownRouteId(method: string): string {
  return `${method} unknown`;
}

/** Short names usable in fault specs for a family of routes. */
export const RouteAliases: Record<string, readonly string[]> = {
  session: [RouteId.namespaceSession, RouteId.accountSession],
  upload: [RouteId.bulkUpload, RouteId.fileUpload],
  put: [RouteId.putNamespaceScript, RouteId.putAccountScript],
};

export const ALL_ROUTE_IDS: readonly string[] = Object.values(RouteId);
