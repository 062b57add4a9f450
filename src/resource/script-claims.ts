import * as pulumi from "@pulumi/pulumi";
import { UserWorkerAssetsInputError } from "./prepare.js";

/**
 * One script, one resource per program: two resources deploying the same script would overwrite each other on every
 * `up` and show drift on every refresh. Claims are kept per stack run — the stack resource is the key, so inline
 * programs of several stacks running in one process (Automation API) do not see each other's claims.
 */
const claimsByRun = new WeakMap<object, Map<string, string>>();
const claimsWithoutStack = new Map<string, string>();

function claimsOfThisRun(): Map<string, string> {
  const stack = pulumi.runtime.getStackResource() as object | undefined;
  if (stack === undefined) return claimsWithoutStack;
  let claims = claimsByRun.get(stack);
  if (claims === undefined) claimsByRun.set(stack, (claims = new Map()));
  return claims;
}

/** Registers `resourceName` as the one resource of this program that deploys the script; throws on a second one. */
export function claimScript(resourceName: string, target: { accountId: string; namespace?: string; scriptName: string }): void {
  const key = `${target.accountId}/${target.namespace ?? "-"}/${target.scriptName}`;
  const claims = claimsOfThisRun();
  const holder = claims.get(key);
  if (holder !== undefined && holder !== resourceName) {
    const where = target.namespace ? `in dispatch namespace "${target.namespace}"` : "(account script)";
    throw new UserWorkerAssetsInputError(
      `the script "${target.scriptName}" ${where} is already deployed by the resource "${holder}" of this program. ` +
        "Two resources would overwrite each other's site on every `pulumi up`; give each its own scriptName.",
    );
  }
  claims.set(key, resourceName);
}

/** The script names this program run has claimed in one dispatch namespace so far (TenantSites' orphan watch). */
export function claimedScriptNames(accountId: string, namespace: string): string[] {
  const prefix = `${accountId}/${namespace}/`;
  return [...claimsOfThisRun().keys()].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
}
