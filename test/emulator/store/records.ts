/** A stored script record as the state files hold one (the store tests' only record shape). */
export function storedScript(name: string, tags: string[] = []) {
  return {
    name, etag: "e".repeat(64), createdOn: "c", modifiedOn: "m", deploymentId: "d", modules: [], manifestRef: "f".repeat(64),
    assetCount: 1, assetConfig: { html_handling: "none" }, bindings: [], compatibilityFlags: [], tags, usageModel: "standard", settings: {}, puts: 1,
  };
}
