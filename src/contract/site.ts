/**
 * What the suite deploys: three small files whose contents carry the run's id (so no other upload, in any namespace,
 * can have stored them already), hashed with the package's own wrangler-compatible hash, and a worker module.
 */
import { assetExtension, hashAssetBytes } from "../manifest/hash.js";

export interface SiteFile {
  path: string;
  /** What wrangler sends as the part's Content-Type (the served type). */
  contentType: string;
  bytes: Buffer;
  hash: string;
}

export function contractSite(runId: string): SiteFile[] {
  const files: Array<Omit<SiteFile, "hash">> = [
    { path: "/index.html", contentType: "text/html; charset=utf-8", bytes: Buffer.from(`<!doctype html><h1>wfp-assets contract ${runId}</h1>\n`) },
    { path: "/assets/app.css", contentType: "text/css; charset=utf-8", bytes: Buffer.from(`/* ${runId} */ body { font-family: sans-serif; }\n`) },
    { path: "/robots.txt", contentType: "text/plain; charset=utf-8", bytes: Buffer.from(`# ${runId}\nUser-agent: *\nDisallow: /\n`) },
  ];
  return files.map((f) => ({ ...f, hash: hashAssetBytes(f.bytes, assetExtension(f.path)) }));
}

/** The session body: `{manifest: {"/path": {hash, size}}}`. */
export function manifestOf(files: SiteFile[]): Record<string, { hash: string; size: number }> {
  return Object.fromEntries(files.map((f) => [f.path, { hash: f.hash, size: f.bytes.length }]));
}

/** The worker of the script with code; `version` changes its content (and so its etag). */
export function workerModule(version: number): string {
  return `// wfp-assets contract suite, version ${version}\nexport default { fetch(request, env) { return env.ASSETS.fetch(request); } };\n`;
}
