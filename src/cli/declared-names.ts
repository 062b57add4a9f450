/**
 * What a stack declares, for `wfp-assets orphans`: the script names of a dispatch namespace that a stack's resources
 * deploy. Read from `pulumi stack export` (the stack's state: every `UserWorkerAssets`, including a `TenantSites`'
 * tenants) or from a plain list of names. Pure: the command reads the file.
 */
import { z } from "zod";
import { checkScriptName } from "../rules/index.js";

export class DeclaredNamesError extends Error {
  override readonly name = "DeclaredNamesError";
}

/** A resource of `pulumi stack export` as far as this reads it: a `UserWorkerAssets` records its target in both. */
const exportedResourceSchema = z.looseObject({
  type: z.string().optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  outputs: z.record(z.string(), z.unknown()).optional(),
});
const stackExportSchema = z.looseObject({
  deployment: z.looseObject({ resources: z.array(exportedResourceSchema).nullish() }),
});

/**
 * The names `text` declares for `namespace` of `accountId`. A JSON object is read as `pulumi stack export`: the
 * `UserWorkerAssets` resources in state whose target is that namespace (pending operations are not in state, so a
 * script a crashed run uploaded counts as undeclared — which is the point). Anything else is a list of names, one per
 * line; blank lines and `#` comments are skipped.
 */
export function parseDeclaredNames(text: string, where: { accountId: string; namespace: string }, source: string): Set<string> {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) return namesFromStackExport(trimmed, where, source);
  const names = new Set<string>();
  trimmed.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") return;
    const problem = checkScriptName(line);
    if (problem) throw new DeclaredNamesError(`${source}, line ${index + 1}: "${line}" is not a script name (${problem}). Give one script name per line, or the output of \`pulumi stack export\`.`);
    names.add(line);
  });
  return names;
}

function namesFromStackExport(text: string, where: { accountId: string; namespace: string }, source: string): Set<string> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DeclaredNamesError(`${source} starts like JSON but does not parse (${(error as Error).message}). Pipe in \`pulumi stack export\` as it prints, or give one script name per line.`);
  }
  const parsed = stackExportSchema.safeParse(json);
  if (!parsed.success) throw new DeclaredNamesError(`${source} is JSON but not the output of \`pulumi stack export\` (no "deployment" with "resources").`);
  const names = new Set<string>();
  for (const resource of parsed.data.deployment.resources ?? []) {
    const props = { ...resource.inputs, ...resource.outputs };
    if (typeof props.scriptName !== "string" || props.accountId !== where.accountId || props.namespace !== where.namespace) continue;
    names.add(props.scriptName);
  }
  return names;
}
