/**
 * The provider's work, loaded by the thin serialized provider (src/provider/shell.ts) inside each method, so nothing here
 * is captured into Pulumi state. The serialized methods pass their arguments straight through; everything they do
 * lives here, where it is tested without the engine: pure decisions in plan.ts, I/O in lifecycle.ts.
 */
import type { ProviderOutputs } from "./inputs.js";
import { create, providerLog, read, remove, update } from "./lifecycle.js";
import { checkOrphanWatch, diffOrphanWatch, isOrphanWatch, warnAboutOrphans } from "./orphan-watch.js";
import { releaseGrownHeapNow, releaseHeapAfterAnswer } from "../host/young-generation.js";
import { manifestInputChars } from "./manifest-entries.js";
import { check, diff } from "./plan.js";
import { credentialFailures, readProviderConfig, type ConfigReader, type ProviderConfig } from "./settings.js";

/**
 * The stack config configure() read, for the later calls of this provider process. One provider process serves one
 * stack, and every serialized provider text in it (an older one stays in state for read/delete) loads this module.
 */
let overrides: ProviderConfig = {};


type DiffAnswer = { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean };

/**
 * What the serialized provider's methods (src/provider/shell.ts) call — for `UserWorkerAssets`, and for the orphan
 * watch of `TenantSites` (inputs with `kind: "orphan-watch"`, orphan-watch.ts), which shares the one serialized provider.
 */
export const provider = {
  configure(config: ConfigReader): void {
    overrides = readProviderConfig(config);
  },

  check(news: Record<string, unknown>): { inputs?: Record<string, unknown>; failures?: Array<{ property: string; reason: string }> } {
    if (isOrphanWatch(news)) return checkOrphanWatch(news);
    const result = check(news);
    // Credentials are resolved (not used) here so that a stack without any fails in preview, before any API call.
    const failures = [...result.failures, ...credentialFailures(overrides)];
    // The answer carries the manifest text, which the shim encodes next: it does so into a heap emptied of the
    // request's decoding, and what the encoding grew goes back before the next call (src/host/young-generation.ts).
    const chars = manifestInputChars(news);
    releaseGrownHeapNow(chars);
    void releaseHeapAfterAnswer(chars);
    return failures.length > 0 ? { failures } : { inputs: result.inputs };
  },

  diff(olds: Record<string, unknown>, news: Record<string, unknown>): DiffAnswer | Promise<DiffAnswer> {
    // The orphan watch (orphan-watch.ts) warns from its diff: Pulumi calls it once per preview and once per up.
    if (isOrphanWatch(news)) return warnAboutOrphans(olds, news, overrides).then(() => ({ changes: diffOrphanWatch(olds, news), replaces: [], deleteBeforeReplace: false }));
    void releaseHeapAfterAnswer(manifestInputChars(news));
    const decision = diff(olds as Partial<ProviderOutputs>, news);
    return { changes: decision.changes, replaces: decision.replaces, deleteBeforeReplace: decision.deleteBeforeReplace };
  },

  create(inputs: Record<string, unknown>): Promise<{ id: string; outs: ProviderOutputs }> {
    // The orphan watch only records what the program declared: no API call.
    if (isOrphanWatch(inputs)) return Promise.resolve({ id: `orphans:${String(inputs.namespace)}`, outs: inputs as unknown as ProviderOutputs });
    return afterLargeCall(inputs, create(inputs, overrides, providerLog));
  },

  update(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ outs: ProviderOutputs }> {
    if (isOrphanWatch(news)) return Promise.resolve({ outs: news as unknown as ProviderOutputs });
    return afterLargeCall(news, update(olds as unknown as ProviderOutputs, news, overrides, providerLog));
  },

  read(id: string, props: Record<string, unknown>): Promise<{ id?: string; props?: ProviderOutputs }> {
    if (isOrphanWatch(props)) return Promise.resolve({ id, props: props as unknown as ProviderOutputs });
    return read(id, props as unknown as ProviderOutputs, overrides);
  },

  delete(props: Record<string, unknown>): Promise<void> {
    if (isOrphanWatch(props)) return Promise.resolve();
    return remove(props as unknown as ProviderOutputs, overrides);
  },
};

/**
 * The heap a large manifest grew (the shim's decoding of the request, ours of the text) goes back once the answer is
 * out, before the engine's next call is decoded on top of it (src/host/young-generation.ts). check and diff are
 * synchronous, so they ask before answering; a deploy asks when it settles.
 */
function afterLargeCall<T>(inputs: Record<string, unknown>, answer: Promise<T>): Promise<T> {
  const chars = manifestInputChars(inputs);
  return answer.finally(() => void releaseHeapAfterAnswer(chars));
}

// Also kept for state written by 0.1.x, whose serialized provider calls these directly for read and delete:
// readProviderConfig(config), read(id, props, overrides), remove(props, overrides), check(news), diff(olds, news).

export { check, diff, manifestInputDigest, settingsDigest, REPLACE_KEYS, resourceId, type CheckFailure, type DiffDecision } from "./plan.js";
export { create, read, remove, update, ScriptOwnershipError, type LogLine } from "./lifecycle.js";
export { credentialFailures, readProviderConfig } from "./settings.js";
