import { z } from "zod";
import {
  CloudflareApiError,
  dispatchNamespaceSchema,
  routes,
  scriptInfoSchema,
  scriptObjectSchema,
  type CloudflareClient,
  type ScriptTarget,
} from "../cloudflare/index.js";
import { credentialAdvice, DeployError } from "./errors.js";
import { describeTarget, toScriptInfo } from "./script.js";
import type { LiveScript } from "./types.js";

/** Account scripts are observed through the list: `GET …/workers/scripts/{name}` returns code, not JSON. */
const accountScriptListSchema = z.array(scriptObjectSchema);

/**
 * The error codes that mean "this script does not exist": 10007 ("This Worker does not exist on your account") on
 * most routes, 10092 on the dispatch-namespace script GET (wrangler's `suppressNotFoundError` treats exactly these as
 * "new Worker"; docs/cloudflare-api.md §7.1, §15.3). Every other 404 — a missing namespace, a route the token cannot reach — is NOT a
 * missing script, and deciding otherwise is how a refresh would silently drop live sites from state.
 */
export const SCRIPT_NOT_FOUND_CODES: readonly number[] = [10007, 10092];

function isScriptNotFound(error: unknown): boolean {
  return error instanceof CloudflareApiError && error.status === 404 && error.hasCode(...SCRIPT_NOT_FOUND_CODES);
}

/** A namespace that is missing, or that this token cannot see: the resource must stay in state. */
export class NamespaceNotFoundError extends DeployError {
  constructor(step: "read" | "delete", target: ScriptTarget, cause: unknown, subject = `the script "${target.scriptName}"`) {
    super(
      step,
      `The dispatch namespace "${target.namespace}" of account ${target.accountId} was not found, so ${subject} cannot be ` +
        `${step === "read" ? "observed" : "deleted"}. Either the namespace was deleted (with every script in it) or the API token cannot see it. ` +
        "Nothing was removed from the stack's state. Recreate the namespace or fix the token's scope (Workers Scripts:Edit on this account) and run again; " +
        "if the namespace is gone on purpose, remove its resources from the state with `pulumi state delete <urn>`.",
      404,
      { cause },
    );
  }
}

function readError(step: "read" | "delete", target: ScriptTarget, error: CloudflareApiError): DeployError {
  const what = step === "read" ? "Reading" : "Deleting";
  const unexplained404 =
    error.status === 404
      ? ` Cloudflare answered 404 without saying the script is missing (codes ${error.codes.join(", ") || "none"}), so this is not treated as "already gone".`
      : "";
  const advice = error.status === 401 || error.status === 403 ? ` To fix it, ${credentialAdvice(target.accountId)}.` : "";
  return new DeployError(step, `${what} the script ${describeTarget(target)} failed: ${error.message}.${unexplained404}${advice}`, error.status, { cause: error });
}

/**
 * Confirms a namespace exists after a 404 on one of its routes, so a missing namespace (or one the token cannot see)
 * never reads as a deleted script, whatever code Cloudflare gives that 404.
 */
async function assertNamespaceExists(client: CloudflareClient, target: ScriptTarget, step: "read" | "delete", cause: unknown): Promise<void> {
  if (target.namespace === undefined) return;
  try {
    await client.request({ method: "GET", path: routes.namespacePath(target.accountId, target.namespace), schema: dispatchNamespaceSchema });
  } catch (error) {
    if (error instanceof CloudflareApiError && error.status === 404) throw new NamespaceNotFoundError(step, target, cause);
    if (error instanceof CloudflareApiError) throw readError(step, target, error);
    throw error;
  }
}

/**
 * Observes the live script, for drift detection and the ownership checks. `undefined` = the script does not exist
 * (Cloudflare said so with a script-not-found code, and its namespace exists). Only what Cloudflare exposes can be
 * observed: no API returns a script's asset manifest, so `etag`/`modified_on`/`has_assets`/`tags` stand in for it.
 */
export async function getScript(client: CloudflareClient, target: ScriptTarget): Promise<LiveScript | undefined> {
  try {
    if (target.namespace) {
      const { result } = await client.request({
        method: "GET",
        path: routes.scriptPath(target),
        schema: scriptInfoSchema,
      });
      return toScriptInfo(result.script, target.scriptName, result);
    }
    const { result } = await client.request({
      method: "GET",
      path: routes.accountScriptsPath(target.accountId),
      schema: accountScriptListSchema,
    });
    const found = result.find((script) => script.id === target.scriptName);
    return found ? toScriptInfo(found, target.scriptName) : undefined;
  } catch (error) {
    if (!(error instanceof CloudflareApiError)) throw error;
    // Any 404 on a namespaced route may mean the namespace is gone: say that, rather than "script missing".
    if (error.status === 404) await assertNamespaceExists(client, target, "read", error);
    if (isScriptNotFound(error)) return undefined;
    throw readError("read", target, error);
  }
}

/**
 * Deletes the script and its assets. A script Cloudflare reports missing counts as deleted; a missing namespace or any
 * other failure is an error, so the resource stays in state.
 */
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
    if (!(error instanceof CloudflareApiError)) throw error;
    if (error.status === 404) await assertNamespaceExists(client, target, "delete", error);
    if (isScriptNotFound(error)) return;
    throw readError("delete", target, error);
  }
}
