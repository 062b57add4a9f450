import type { RequestContext } from "../protocol/context.js";
import type { EmulatorCore } from "../core.js";
import { badRequest, namespaceNotFound } from "../protocol/envelope.js";
import { isResourceName } from "../model/names.js";
import type { SessionScope } from "../store/sessions.js";
import type { ScriptRecord } from "../model/script-record.js";
import type { NamespaceRecord } from "../store/state.js";

/**
 * The two route families that hold scripts — a dispatch namespace or the account itself — behind one shape, so
 * sessions, PUTs and reads are written once.
 */
export type ScriptTarget = { kind: "namespace"; namespace: NamespaceRecord } | { kind: "account" };

export function targetOf(core: EmulatorCore, ctx: RequestContext): ScriptTarget {
  const name = ctx.params.namespace;
  return name === undefined ? { kind: "account" } : { kind: "namespace", namespace: core.namespaceOrThrow(ctx.account, name) };
}

/** The target's script map, re-resolved now (a namespace deleted and re-created meanwhile is a different one). */
export function scriptsOf(core: EmulatorCore, account: string, target: ScriptTarget): Map<string, ScriptRecord> {
  if (target.kind === "account") return core.state.account(account).scripts;
  const current = core.state.accounts.get(account)?.namespaces.get(target.namespace.name);
  if (!current || current.id !== target.namespace.id) throw namespaceNotFound(target.namespace.name);
  return current.scripts;
}

export function sessionScopeOf(target: ScriptTarget): SessionScope {
  return target.kind === "account" ? { kind: "account" } : { kind: "namespace", namespace: target.namespace.name, namespaceId: target.namespace.id };
}

export function scriptNameOf(ctx: RequestContext): string {
  const name = ctx.params.script!;
  if (!isResourceName(name)) {
    throw badRequest(`Invalid Worker name "${name}": use 1–63 letters, digits, "-" or "_".`);
  }
  return name;
}
