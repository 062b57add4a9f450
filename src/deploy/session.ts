import {
  routes,
  uploadSessionResultSchema,
  type CloudflareClient,
  type RetryEvent,
  type ScriptTarget,
} from "../cloudflare/index.js";
import type { Manifest } from "../manifest/index.js";
import { DeployError } from "./errors.js";

export interface UploadSession {
  jwt: string;
  /** Hashes the server lacks, grouped as the server wants them sent; empty = nothing to upload. */
  buckets: string[][];
}

/**
 * Step 1. The session must be opened on the same route family as the later PUT (namespace route
 * for a dispatch-namespace script): the completion JWT is scoped to that script.
 * `[]`, `[[]]` and a missing `buckets` all mean "nothing to upload"; the session JWT is then
 * already the completion JWT.
 */
export async function openUploadSession(
  client: CloudflareClient,
  target: ScriptTarget,
  manifest: Manifest,
  onRetry?: (event: RetryEvent) => void,
): Promise<UploadSession> {
  const { result } = await client.request({
    method: "POST",
    path: routes.uploadSessionPath(target),
    json: { manifest },
    schema: uploadSessionResultSchema,
    onRetry,
  });
  const buckets = (result.buckets ?? []).filter((bucket) => bucket.length > 0);
  if (!result.jwt) {
    throw new DeployError(
      "session",
      "The upload session answered without a JWT, so nothing can be uploaded or attached. This is a Cloudflare-side fault; run the deploy again.",
    );
  }
  for (const bucket of buckets) {
    for (const hash of bucket) {
      if (!hashInManifest(manifest, hash)) {
        throw new DeployError(
          "session",
          `The upload session asked for hash ${hash}, which is not in the manifest that was sent. The server's answer does not match this deploy; nothing was uploaded.`,
        );
      }
    }
  }
  return { jwt: result.jwt, buckets };
}

const manifestHashes = new WeakMap<Manifest, Set<string>>();

function hashInManifest(manifest: Manifest, hash: string): boolean {
  let set = manifestHashes.get(manifest);
  if (!set) {
    set = new Set(Object.values(manifest).map((entry) => entry.hash));
    manifestHashes.set(manifest, set);
  }
  return set.has(hash);
}
