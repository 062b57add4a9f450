/** A site's address from the platform's routing pattern, e.g. "https://{script}.sites.example.com/". */
export function siteUrl(pattern: string | undefined, site: { script: string; namespace?: string }): string {
  if (pattern === undefined || pattern === "") return "";
  return pattern.replaceAll("{script}", site.script).replaceAll("{namespace}", site.namespace ?? "");
}
