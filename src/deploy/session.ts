import {
  CloudflareApiError,
  routes,
  uploadSessionResultSchema,
  type CloudflareClient,
  type RetryEvent,
  type ScriptTarget,
  type UploadSessionResult,
} from "../cloudflare/index.js";
import type { Manifest } from "../manifest/index.js";
import { credentialAdvice, DeployError } from "./errors.js";
import { describeTarget } from "./script.js";

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
  let result: UploadSessionResult;
  try {
    ({ result } = await client.request({
      method: "POST",
      path: routes.uploadSessionPath(target),
      json: { manifest },
      schema: uploadSessionResultSchema,
      onRetry,
    }));
  } catch (error) {
    // Like the upload and script steps, a failed session is a DeployError naming the step and the status
    // (the reliability suite's persistent-failure case found it escaping as a bare CloudflareApiError).
    if (error instanceof CloudflareApiError) {
      const fix = sessionFailureFix(error, target);
      throw new DeployError(
        "session",
        `Opening the asset upload session for ${describeTarget(target)} failed: ${error.message}. Nothing was attached, so the live worker was not changed; ${fix}.`,
        error.status,
        { cause: error },
      );
    }
    throw error;
  }
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

/**
 * What the user can do about a refused session. A 404 here is never transient: the namespace (or, for an
 * account script, the account) is missing or invisible to the token, so "run it again" would only repeat it.
 */
function sessionFailureFix(error: CloudflareApiError, target: ScriptTarget): string {
  if (error.status === 401 || error.status === 403) return credentialAdvice(target.accountId);
  if (error.status === 404) {
    return target.namespace
      ? `the dispatch namespace "${target.namespace}" does not exist in account ${target.accountId} (or the token cannot see it): ` +
          `create it (wrangler dispatch-namespace create ${target.namespace}, or a dispatch namespace resource in the same stack) or fix \`namespace\``
      : `account ${target.accountId} was not found or the token has no access to it: check \`accountId\` and the token's account`;
  }
  return "files uploaded so far are kept, so running the deploy again resumes";
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
