import { z } from "zod";
import {
  CloudflareApiError,
  routes,
  scriptInfoSchema,
  scriptObjectSchema,
  type CloudflareClient,
  type ScriptTarget,
} from "../cloudflare/index.js";
import { DeployError } from "./errors.js";
import { describeTarget, toScriptInfo } from "./script.js";
import type { LiveScript } from "./types.js";

/** Account scripts are observed through the list: `GET …/workers/scripts/{name}` returns code, not JSON. */
const accountScriptListSchema = z.array(scriptObjectSchema);

/**
 * Observes the live script, for drift detection. `undefined` = the script does not exist
 * (deleted out of band). Only what Cloudflare exposes can be observed: no API returns a script's
 * asset manifest, so `etag`/`modified_on`/`has_assets` stand in for it.
 */
export async function getScript(client: CloudflareClient, target: ScriptTarget): Promise<LiveScript | undefined> {
  try {
    if (target.namespace) {
      const { result } = await client.request({
        method: "GET",
        path: routes.scriptPath(target),
        schema: scriptInfoSchema,
      });
      return toScriptInfo(result.script, target.scriptName);
    }
    const { result } = await client.request({
      method: "GET",
      path: routes.accountScriptsPath(target.accountId),
      schema: accountScriptListSchema,
    });
    const found = result.find((script) => script.id === target.scriptName);
    return found ? toScriptInfo(found, target.scriptName) : undefined;
  } catch (error) {
    if (error instanceof CloudflareApiError && error.status === 404) return undefined;
    if (error instanceof CloudflareApiError) {
      throw new DeployError("read", `Reading the script ${describeTarget(target)} failed: ${error.message}`, error.status, {
        cause: error,
      });
    }
    throw error;
  }
}

/** Deletes the script and its assets. A script that is already gone counts as deleted. */
export async function deleteScript(client: CloudflareClient, target: ScriptTarget): Promise<void> {
  try {
    await client.request({
      method: "DELETE",
      path: routes.scriptPath(target),
      query: { force: "true" },
      schema: z.unknown(),
      allowNullResult: true,
    });
  } catch (error) {
    if (error instanceof CloudflareApiError && error.status === 404) return;
    if (error instanceof CloudflareApiError) {
      throw new DeployError("delete", `Deleting the script ${describeTarget(target)} failed: ${error.message}`, error.status, {
        cause: error,
      });
    }
    throw error;
  }
}
