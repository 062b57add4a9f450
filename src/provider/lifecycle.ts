/**
 * The provider's I/O: create, update, read and delete against the Cloudflare API, each guarded by the ownership rules
 * of src/deploy/ownership.ts so that no Pulumi path — rename, move, replace, a second stack, destroy after a hand
 * deploy — deletes or overwrites a site this resource does not own.
 */
import type { CloudflareClient, ScriptTarget } from "../cloudflare/index.js";
import {
  decideCreate,
  decideDelete,
  decideUpdate,
  deleteScript,
  DeployError,
  deployAssets,
  formatDeployEvent,
  getScript,
  NamespaceNotFoundError,
  tagsWithOwner,
  type HashedFolder,
  type KeptAssets,
  type LiveScript,
} from "../deploy/index.js";
import type { DeleteDecision, RecordedScript } from "../deploy/ownership.js";
import { describeTarget } from "../deploy/script.js";
import { toPlainJson } from "./canonical.js";
import { warn } from "./engine-log.js";
import { providerInputsSchema, type ProviderInputs, type ProviderOutputs } from "./inputs.js";
import { decideAssets, manifestInputDigest, resourceId, settingsDigest, targetOf, withoutInternalKeys } from "./plan.js";
import { listedScript, recordScript, sameInstant, unchangedSince } from "./namespace-snapshots.js";
import { createClient, type ProviderConfig } from "./settings.js";
import { isHandedOver } from "./shard-handovers.js";
import { workerFromInputs } from "./worker-from-inputs.js";

export type LogLine = (line: string) => void;

/** A create or update that would overwrite a script another stack (or a person) owns. */
export class ScriptOwnershipError extends Error {
  override readonly name = "ScriptOwnershipError";
}

function parseInputs(raw: Record<string, unknown>): ProviderInputs {
  return providerInputsSchema.parse(withoutInternalKeys(raw));
}

function labelOf(inputs: { namespace?: string; scriptName: string }): string {
  return inputs.namespace ? `${inputs.namespace}/${inputs.scriptName}` : inputs.scriptName;
}

/**
 * What the provider prints shows in `pulumi up` as info lines: progress of deploys, and budget waits of reads and
 * deletes (which have no deploy to report them).
 */
export const providerLog: LogLine = (line) => console.log(line);

async function withClient<T>(overrides: ProviderConfig, work: (client: CloudflareClient) => Promise<T>): Promise<T> {
  const client = createClient(overrides, providerLog);
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

export async function create(raw: Record<string, unknown>, overrides: ProviderConfig, log: LogLine): Promise<{ id: string; outs: ProviderOutputs }> {
  const inputs = parseInputs(raw);
  const target = targetOf(inputs);
  const label = labelOf(inputs);
  return withClient(overrides, async (client) => {
    const { live } = await scriptToOverwrite(client, target);
    const decision = decideCreate(target, live, inputs.owner ?? "", inputs.adopt ?? false, overrides.shard !== undefined);
    if (decision.kind === "refuse") throw new ScriptOwnershipError(decision.message);
    if (decision.kind === "same-stack") {
      log(`${label}: the script already exists and belongs to this stack (a renamed or moved resource, or an earlier create that was interrupted); deploying over it`);
    }
    if (decision.kind === "handover") {
      log(`${label}: taking the script over from the shard "${decision.previousOwner}" (the tenant moved to this shard); it serves throughout`);
    }
    if (decision.kind === "adopt") {
      log(`${label}: adopting the existing script (${decision.previousOwner ? `managed by stack "${decision.previousOwner}" until now` : "it had no owner tag"})`);
    }
    return { id: resourceId(target), outs: await deployInputs(client, inputs, log) };
  });
}

export async function update(olds: ProviderOutputs, raw: Record<string, unknown>, overrides: ProviderConfig, log: LogLine): Promise<{ outs: ProviderOutputs }> {
  const inputs = parseInputs(raw);
  const target = targetOf(inputs);
  return withClient(overrides, async (client) => {
    const look = await scriptToOverwrite(client, target, olds.modifiedOn);
    const decision = decideUpdate(target, look.live, { previous: olds.owner, next: inputs.owner ?? "" }, inputs.adopt ?? false, overrides.shard !== undefined);
    if (decision.kind === "refuse") throw new ScriptOwnershipError(decision.message);
    const liveUnchanged = look.unchanged || (look.live !== undefined && look.live.hasAssets && sameInstant(look.live.modifiedOn, olds.modifiedOn));
    const assets = decideAssets(olds, inputs, liveUnchanged);
    return { outs: await deployInputs(client, inputs, log, assets.keep ? { keep: true, fileCount: olds.fileCount, totalBytes: olds.totalBytes } : undefined) };
  });
}

/** The look before a create or update: the live script when it had to be read, and whether it is as recorded. */
interface LiveLook {
  live: LiveScript | undefined;
  /** The namespace listing shows the script with the `modified_on` this resource recorded (so it was not read). */
  unchanged: boolean;
}

/**
 * The live script a create or update would overwrite, read for its owner tag — or undefined when there is nothing to
 * check: no such script, or (for an update) one the namespace listing shows unchanged since this resource last
 * deployed or refreshed it (`recordedModifiedOn`). The listing is shared by the stack's resources, so a fleet reads
 * one script only where one exists or changed. A missing namespace means no script either: the deploy's own first
 * call then says what to do about the namespace.
 */
async function scriptToOverwrite(client: CloudflareClient, target: ScriptTarget, recordedModifiedOn?: string): Promise<LiveLook> {
  return beforeAnyChange(async () => {
    const known = await listedScript(client, target).catch(absentIfNamespaceMissing);
    if (known !== undefined && known.listed === undefined) return { live: undefined, unchanged: false };
    if (unchangedSince(known?.listed, recordedModifiedOn)) return { live: undefined, unchanged: true };
    return { live: await getScript(client, target).catch(absentIfNamespaceMissing), unchanged: false };
  });
}

/** A failure while looking before deploying: say that nothing was touched, as the deploy's own early failures do. */
async function beforeAnyChange<T>(look: () => Promise<T>): Promise<T> {
  try {
    return await look();
  } catch (error) {
    if (!(error instanceof DeployError)) throw error;
    throw new DeployError(error.step, `${error.message} Nothing was attached, so the live worker was not changed.`, error.status, { cause: error });
  }
}

function absentIfNamespaceMissing(error: unknown): undefined {
  if (error instanceof NamespaceNotFoundError) return undefined;
  throw error;
}

/**
 * Cloudflare's PUT replaces the script (and its config) wholesale, so create and update deploy the same way — except
 * that an update whose files are the live ones (`kept`, decided by plan.ts `decideAssets`) keeps them: the folder is
 * then not even listed, and the deploy is one PUT.
 */
async function deployInputs(client: CloudflareClient, inputs: ProviderInputs, log: LogLine, kept?: KeptAssets): Promise<ProviderOutputs> {
  const label = labelOf(inputs);
  // Paths are relative to the program's folder (workDir), which an Automation API program need not share with this
  // process (whose folder is the project's `main`). State written before workDir existed resolves from here.
  // The file list is built on the deploy thread (src/deploy/hashed-folder.ts): this thread keeps only the manifest text.
  const assets: KeptAssets | HashedFolder = kept ?? { directory: inputs.directory, base: inputs.workDir, hashes: inputs.manifest };
  const worker = inputs.worker ? await workerFromInputs(inputs.worker, inputs.workDir) : undefined;
  // Before the deploy thread starts: this thread's garbage goes back with the GC before it (src/deploy/deploy-thread.ts)
  // instead of growing this heap while the thread's is at its largest.
  const manifestDigest = manifestInputDigest(inputs.manifest);
  if (kept) log(`${label}: ${kept.fileCount} files, ${kept.totalBytes} bytes (unchanged since the last deploy)`);
  const result = await deployAssets(
    client,
    {
      target: targetOf(inputs),
      assets,
      worker,
      assetConfig: inputs.assetConfig,
      compatibilityDate: inputs.compatibilityDate,
      compatibilityFlags: inputs.compatibilityFlags,
      tags: tagsWithOwner(inputs.tags, inputs.owner),
      keepBindings: inputs.keepBindings,
      hashSalt: inputs.hashSalt,
    },
    // On a deploy thread with a sized heap: the engine starts this process, so its own heap cannot be sized, and its
    // young generation, grown by decoding the inputs, would grow again under the upload (src/deploy/deploy-thread.ts).
    // The thread's calls are still paced by this process's one API budget.
    { onProgress: (event) => log(`${label}: ${formatDeployEvent(event)}`), offThread: true },
  );
  const outs: ProviderOutputs = {
    accountId: inputs.accountId,
    namespace: inputs.namespace,
    scriptName: inputs.scriptName,
    manifestDigest,
    settingsDigest: settingsDigest(inputs),
    fileCount: result.fileCount,
    totalBytes: result.totalBytes,
    uploadedFiles: result.uploadedFiles,
    uploadedBytes: result.uploadedBytes,
    scriptId: result.script.id,
    etag: result.script.etag,
    modifiedOn: result.script.modifiedOn,
    hasAssets: result.script.hasAssets,
    providerVersion: inputs.providerVersion,
    owner: inputs.owner,
  };
  recordScript(client.baseUrl, targetOf(inputs), { ...result.script, tags: tagsWithOwner(inputs.tags, inputs.owner) });
  return toPlainJson(outs);
}

/**
 * Observes the live script for refresh. Only "Cloudflare says this script does not exist" drops the resource (no id);
 * a missing namespace, a token without access or any other failure is an error and the resource stays in state.
 */
export async function read(id: string, props: ProviderOutputs, overrides: ProviderConfig): Promise<{ id?: string; props?: ProviderOutputs }> {
  return withClient(overrides, async (client) => {
    const target = targetOf(props);
    // Refresh of a fleet: one namespace listing serves every resource; only changed or missing scripts are read.
    const known = await listedScript(client, target);
    if (unchangedSince(known?.listed, props.modifiedOn)) return { id, props };
    const live = await getScript(client, target);
    if (!live) return {};
    // What this resource deployed is kept aside only once refresh sees something else live (drift): until then it is
    // the same as what was observed, and state stays one copy leaner per tenant.
    const drifted = live.etag !== props.etag || live.modifiedOn !== props.modifiedOn;
    const deployed = drifted ? { deployedEtag: props.deployedEtag ?? props.etag, deployedModifiedOn: props.deployedModifiedOn ?? props.modifiedOn } : {};
    return {
      id,
      props: toPlainJson({ ...props, ...deployed, scriptId: live.id, etag: live.etag, modifiedOn: live.modifiedOn, hasAssets: live.hasAssets }),
    };
  });
}

/**
 * Deletes the script only if it is still what this resource last deployed or observed; otherwise leaves it serving
 * and says why as a warning in the update's output. Either way the resource leaves the state.
 */
export async function remove(props: ProviderOutputs, overrides: ProviderConfig): Promise<void> {
  const target = targetOf(props);
  await withClient(overrides, async (client) => {
    const recorded = { owner: props.owner, modifiedOn: props.modifiedOn, etag: props.etag };
    const decision = isHandedOver(target, props.owner)
      ? decideDelete(undefined, recorded, true) // decided without a call: the program leaves the tenant to another shard
      : await lookAndDecideDelete(client, target, recorded);
    if (decision.kind === "handed-over") {
      providerLog(`${describeTarget(target)}: handed over to another shard of the fleet; left in place for that shard's stack to take over (it serves throughout)`);
    }
    if (decision.kind === "delete") {
      await deleteScript(client, target);
      recordScript(client.baseUrl, target, undefined);
    }
    if (decision.kind === "leave") {
      await warn(
        `Left the script ${describeTarget(target)} in place instead of deleting it: ${decision.reason}. ` +
          "Its site keeps serving and this resource is gone from the stack; if no resource of any stack manages the script any more, delete it yourself.",
      );
    }
  });
}

/** The delete decision from the namespace listing, or from the script itself when the listing shows it changed. */
async function lookAndDecideDelete(client: CloudflareClient, target: ScriptTarget, recorded: RecordedScript): Promise<DeleteDecision> {
  const known = await listedScript(client, target);
  if (unchangedSince(known?.listed, recorded.modifiedOn)) return { kind: "delete" };
  return decideDelete(await getScript(client, target), recorded);
}
