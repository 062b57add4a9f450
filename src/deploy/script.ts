import {
  CloudflareApiError,
  routes,
  scriptResultSchema,
  type CloudflareClient,
  type ScriptObject,
  type ScriptResult,
  type RetryEvent,
  type ScriptTarget,
} from "../cloudflare/index.js";
import { DeployError } from "./errors.js";
import type { LiveScript } from "./types.js";
import type { FormData } from "undici";

/**
 * The facts of a script answer this package relies on. `timestamps` are the namespaced GET's wrapper fields, used when
 * the script object itself lacks them.
 */
export function toScriptInfo(result: ScriptObject, fallbackId: string, timestamps: { created_on?: string; modified_on?: string } = {}): LiveScript {
  return {
    id: result.id ?? fallbackId,
    etag: result.etag ?? "",
    createdOn: result.created_on ?? timestamps.created_on ?? "",
    modifiedOn: result.modified_on ?? timestamps.modified_on ?? "",
    hasAssets: result.has_assets ?? false,
    hasModules: result.has_modules ?? false,
    tags: result.tags ?? [],
  };
}

/** Whether a PUT answer carries everything the state records; the schema makes all of it optional (docs/cloudflare-api.md §15.3). */
export function isCompleteAnswer(result: ScriptObject): boolean {
  return result.id !== undefined && result.etag !== undefined && result.modified_on !== undefined && result.has_assets !== undefined;
}

/**
 * Step 3: attach the uploaded assets (and the worker code, if any) with one multipart PUT. Returns the PUT's answer as
 * given; `deployAssets` reads the script back when that answer leaves out what the state needs.
 */
export async function putScript(
  client: CloudflareClient,
  target: ScriptTarget,
  form: () => FormData,
  onRetry?: (event: RetryEvent) => void,
): Promise<ScriptResult> {
  try {
    const { result } = await client.request({
      method: "PUT",
      path: routes.scriptPath(target),
      query: { excludeScript: "true" },
      form,
      schema: scriptResultSchema,
      onRetry,
    });
    return result;
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
