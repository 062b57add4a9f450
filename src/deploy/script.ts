import {
  CloudflareApiError,
  routes,
  scriptResultSchema,
  type CloudflareClient,
  type ScriptObject,
  type RetryEvent,
  type ScriptTarget,
} from "../cloudflare/index.js";
import { DeployError } from "./errors.js";
import type { LiveScript } from "./types.js";
import type { FormData } from "undici";

export function toScriptInfo(result: ScriptObject, fallbackId: string): LiveScript {
  return {
    id: result.id ?? fallbackId,
    etag: result.etag ?? "",
    createdOn: result.created_on ?? "",
    modifiedOn: result.modified_on ?? "",
    hasAssets: result.has_assets ?? false,
    hasModules: result.has_modules ?? false,
  };
}

/** Step 3: attach the uploaded assets (and the worker code, if any) with one multipart PUT. */
export async function putScript(
  client: CloudflareClient,
  target: ScriptTarget,
  form: () => FormData,
  onRetry?: (event: RetryEvent) => void,
): Promise<LiveScript> {
  try {
    const { result } = await client.request({
      method: "PUT",
      path: routes.scriptPath(target),
      query: { excludeScript: "true" },
      form,
      schema: scriptResultSchema,
      onRetry,
    });
    return toScriptInfo(result, target.scriptName);
  } catch (error) {
    if (error instanceof CloudflareApiError) {
      throw new DeployError(
        "script",
        `Uploading the script ${describeTarget(target)} failed: ${error.message}. The assets are uploaded and stored; running the deploy again only repeats this step.`,
        error.status,
        { cause: error },
      );
    }
    throw error;
  }
}

export function describeTarget(target: ScriptTarget): string {
  return target.namespace
    ? `"${target.scriptName}" in dispatch namespace "${target.namespace}"`
    : `"${target.scriptName}" (account script)`;
}
