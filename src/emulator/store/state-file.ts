import { z } from "zod";

/**
 * The shapes of the emulator's state on disk (store/state-store.ts writes and reads them): the snapshot
 * `state.json` and the lines of the journal `state.journal`. Version 1 is the single-file state of older data
 * directories (no journal); version 2 names the journal generation it is the base of, so an older emulator, which
 * knows only version 1, refuses the directory instead of silently ignoring the journal.
 */

const moduleSchema = z.object({ name: z.string(), contentType: z.string(), object: z.string(), size: z.number() });
export const scriptSchema = z.object({
  name: z.string(),
  etag: z.string(),
  // Absent in state files written before it existed; derived on load.
  versionKey: z.string().optional(),
  createdOn: z.string(),
  modifiedOn: z.string(),
  deploymentId: z.string(),
  mainModule: z.string().optional(),
  bodyPart: z.string().optional(),
  modules: z.array(moduleSchema),
  manifestRef: z.string().optional(),
  assetCount: z.number(),
  assetConfig: z.record(z.string(), z.unknown()),
  bindings: z.array(z.record(z.string(), z.unknown())),
  compatibilityDate: z.string().optional(),
  compatibilityFlags: z.array(z.string()),
  tags: z.array(z.string()),
  usageModel: z.string(),
  settings: z.record(z.string(), z.unknown()),
  lastDeployedFrom: z.string().optional(),
  puts: z.number(),
});
export type StoredScript = z.infer<typeof scriptSchema>;

const namespaceFields = { id: z.string(), name: z.string(), createdOn: z.string(), modifiedOn: z.string() };
const accountsSchema = z.array(
  z.object({
    id: z.string(),
    namespaces: z.array(z.object({ ...namespaceFields, scripts: z.array(scriptSchema) })),
    scripts: z.array(scriptSchema),
    spentSessions: z.array(z.tuple([z.string(), z.number()])),
  }),
);

export const snapshotSchema = z.discriminatedUnion("version", [
  z.object({ version: z.literal(1), accounts: accountsSchema }),
  z.object({ version: z.literal(2), generation: z.number().int().nonnegative(), accounts: accountsSchema }),
]);
export type Snapshot = z.infer<typeof snapshotSchema>;
export type SnapshotAccounts = z.infer<typeof accountsSchema>;

/** The journal's first line: which snapshot generation its changes apply to. */
export const journalHeaderSchema = z.object({ journal: z.literal(1), generation: z.number().int().nonnegative() });

/**
 * One record-level change. Upserts carry the record's whole current content, so applying a change needs nothing
 * but the state it applies to. A namespace upsert with another id than the namespace of that name is a new
 * namespace (deleted and created again since the last write): it starts without scripts.
 */
export const changeSchema = z.discriminatedUnion("op", [
  z.object({ op: z.literal("account"), account: z.string() }),
  z.object({ op: z.literal("namespace"), account: z.string(), namespace: z.object(namespaceFields) }),
  z.object({ op: z.literal("deleteNamespace"), account: z.string(), name: z.string() }),
  z.object({ op: z.literal("script"), account: z.string(), namespace: z.string().optional(), script: scriptSchema }),
  z.object({ op: z.literal("deleteScript"), account: z.string(), namespace: z.string().optional(), name: z.string() }),
  z.object({ op: z.literal("session"), account: z.string(), id: z.string(), expiresAt: z.number() }),
  z.object({ op: z.literal("deleteSession"), account: z.string(), id: z.string() }),
]);
export type StateChange = z.infer<typeof changeSchema>;

/** One journal line: the changes of one write, applied together (a torn line loses all of them, none answered). */
export const journalLineSchema = z.object({ changes: z.array(changeSchema) });
