/**
 * The provider's work, loaded by the thin serialized provider (src/provider.ts) inside each method, so nothing here
 * is captured into Pulumi state. The serialized methods pass their arguments straight through; everything they do
 * lives here, where it is tested without the engine: pure decisions in plan.ts, I/O in lifecycle.ts.
 */
import type { ConfigOverrides } from "../cloudflare/index.js";
import type { ProviderOutputs } from "./inputs.js";
import { create, read, remove, update } from "./lifecycle.js";
import { check, diff } from "./plan.js";
import { credentialFailures, readProviderConfig, type ConfigReader } from "./settings.js";

/** What configure() keeps on the provider object for the later calls of the same process. */
export interface ProviderState {
  overrides?: ConfigOverrides;
}

const log = (line: string): void => console.log(line);

export const provider = {
  configure(state: ProviderState, config: ConfigReader): void {
    state.overrides = readProviderConfig(config);
  },

  check(state: ProviderState, news: Record<string, unknown>): { inputs?: Record<string, unknown>; failures?: Array<{ property: string; reason: string }> } {
    const result = check(news);
    // Credentials are resolved (not used) here so that a stack without any fails in preview, before any API call.
    const failures = [...result.failures, ...credentialFailures(state.overrides ?? {})];
    return failures.length > 0 ? { failures } : { inputs: result.inputs };
  },

  diff(olds: ProviderOutputs, news: Record<string, unknown>): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
    const decision = diff(olds, news);
    return { changes: decision.changes, replaces: decision.replaces, deleteBeforeReplace: decision.deleteBeforeReplace };
  },

  create(state: ProviderState, inputs: Record<string, unknown>): Promise<{ id: string; outs: ProviderOutputs }> {
    return create(inputs, state.overrides ?? {}, log);
  },

  update(state: ProviderState, olds: ProviderOutputs, news: Record<string, unknown>): Promise<{ outs: ProviderOutputs }> {
    return update(olds, news, state.overrides ?? {}, log);
  },

  read(state: ProviderState, id: string, props: ProviderOutputs): Promise<{ id?: string; props?: ProviderOutputs }> {
    return read(id, props, state.overrides ?? {});
  },

  delete(state: ProviderState, props: ProviderOutputs): Promise<void> {
    return remove(props, state.overrides ?? {});
  },
};

export { check, diff, manifestInputDigest, settingsDigest, REPLACE_KEYS, resourceId, type CheckFailure, type DiffDecision } from "./plan.js";
export { create, read, remove, update, ScriptOwnershipError, type LogLine } from "./lifecycle.js";
export { credentialFailures, readProviderConfig } from "./settings.js";
