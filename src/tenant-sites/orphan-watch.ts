import * as pulumi from "@pulumi/pulumi";
import * as serializedProvider from "../provider/shell.js";
import { claimedScriptNames } from "../resource/script-claims.js";

export interface OrphanWatchArgs {
  /** The TenantSites component's name, for the warning. */
  component: string;
  accountId: pulumi.Input<string>;
  namespace: pulumi.Input<string>;
  /** Script names of the component's tenants. */
  tenantScripts: string[];
  /**
   * In a sharded stack: script names of the fleet's tenants other shards declare. The provider keeps them for this run
   * only (src/provider/shard-handovers.ts), not in the state: a tenant this stack held is then handed over — its delete
   * leaves the script serving — and is no orphan while it still carries this stack's tag.
   */
  handedOver?: string[];
}

/**
 * Records the script names this program declares in a namespace, so that the provider's diff can warn about
 * orphans (src/provider/orphan-watch.ts explains why this needs a resource). It makes no API call of its own when
 * created, updated or deleted; its diff lists the owner's scripts once per preview and once per up.
 *
 * `declared` holds the component's tenants plus every other `UserWorkerAssets` of the program that claimed a script in
 * the same namespace by the time the inputs resolve (one turn of the event loop later, so resources declared after the
 * component in the same program are in), so another component or resource of the stack is never called an orphan.
 */
export class OrphanWatch extends pulumi.dynamic.Resource {
  constructor(name: string, args: OrphanWatchArgs, opts: pulumi.CustomResourceOptions) {
    super(serializedProvider, name, orphanWatchInputs(args), opts, "wfp", "OrphanWatch");
  }
}

/** The watch's inputs; shared with the component package's custom resource (packages/pulumi-wfp-assets-components). */
export function orphanWatchInputs(args: OrphanWatchArgs): pulumi.Inputs {
  const declared = pulumi.all([args.accountId, args.namespace]).apply(async ([accountId, namespace]) => {
    await new Promise((resolve) => setImmediate(resolve));
    return [...new Set([...args.tenantScripts, ...claimedScriptNames(accountId, namespace)])].sort();
  });
  return {
    kind: "orphan-watch",
    component: args.component,
    accountId: args.accountId,
    namespace: args.namespace,
    owner: `${pulumi.getProject()}/${pulumi.getStack()}`,
    declared,
    ...(args.handedOver ? { handedOver: args.handedOver } : {}),
  };
}
