import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { CloudflareClient, resolveCloudflareConfig, resolveTransportSettings } from "../cloudflare/index.js";
import { deleteOrphans, listOwnedScripts, type OrphanOutcome } from "../deploy/owned-scripts.js";
import { findOrphans } from "../deploy/orphans.js";
import { ownerTag } from "../deploy/ownership.js";
import { checkAccountId, checkNamespaceName } from "../rules/index.js";
import { DeclaredNamesError, parseDeclaredNames } from "./declared-names.js";

const HELP = `usage: wfp-assets orphans --account ID --namespace NS --owner PROJECT/STACK --declared-file F [--delete] [--json]

Lists the scripts of a dispatch namespace that carry a stack's owner tag (wfp-owner=PROJECT/STACK) but that the
stack does not declare: left in place after a "Left the script … in place" warning, uploaded by a run that crashed
before it saved its state, or dropped by a refactor. One API call per 1,000 owned scripts.

options:
  --account ID          Cloudflare account id (32 hex)
  --namespace NS        dispatch namespace
  --owner P/S           the stack's owner marker: Pulumi project and stack, e.g. platform/prod
  --declared-file F     what the stack declares: the output of \`pulumi stack export\` (its state), or one script
                        name per line; "-" reads standard input
  --delete              delete the orphans that are still unchanged since the listing (each is read again right
                        before its delete; one that was deployed again or changed hands is left, with the reason)
  --json                print {orphans, outcomes} as JSON

example:
  pulumi stack export | wfp-assets orphans --account $ACCOUNT --namespace tenants --owner platform/prod --declared-file -

credentials: CLOUDFLARE_API_TOKEN, or CLOUDFLARE_API_KEY + CLOUDFLARE_EMAIL;
API base: CLOUDFLARE_API_BASE_URL (e.g. the emulator's http://127.0.0.1:8787/client/v4).
`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        account: { type: "string" },
        namespace: { type: "string" },
        owner: { type: "string" },
        "declared-file": { type: "string" },
        delete: { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    process.stderr.write(`wfp-assets orphans: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const usage = (message: string): number => {
    process.stderr.write(`wfp-assets orphans: ${message}\n\n${HELP}`);
    return 2;
  };
  const { account, namespace, owner } = values;
  const declaredFile = values["declared-file"];
  if (!account) return usage("--account is required (your Cloudflare account id).");
  if (!namespace) return usage("--namespace is required (the dispatch namespace to look in).");
  if (!owner) return usage('--owner is required: the stack\'s "<project>/<stack>", as its scripts\' wfp-owner tag names it.');
  if (!declaredFile) return usage("--declared-file is required: pipe in `pulumi stack export` (--declared-file -), or give a file of script names.");
  const problem = checkAccountId(account) ?? checkNamespaceName(namespace);
  if (problem) return usage(problem);
  if (!/^[^/\s]+\/[^\s]+$/.test(owner)) return usage(`--owner "${owner}" is not "<project>/<stack>".`);

  let declared: Set<string>;
  try {
    const text = declaredFile === "-" ? await readStdin() : await readFile(declaredFile, "utf8");
    declared = parseDeclaredNames(text, { accountId: account, namespace }, declaredFile === "-" ? "standard input" : declaredFile);
  } catch (error) {
    if (error instanceof DeclaredNamesError) return usage(error.message);
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return usage(`--declared-file "${declaredFile}" does not exist.`);
    throw error;
  }

  const { baseUrl, credentials } = resolveCloudflareConfig();
  const client = new CloudflareClient({ baseUrl, credentials, transport: resolveTransportSettings({ env: process.env }), userAgent: "pulumi-wfp-assets" });
  try {
    const owned = await listOwnedScripts(client, account, namespace, owner);
    const orphans = findOrphans(owned.scripts, declared);
    const say = (line: string) => {
      if (!values.json) process.stdout.write(`${line}\n`);
    };
    if (orphans.length === 0) say(`No orphans: every script in dispatch namespace "${namespace}" tagged "${ownerTag(owner)}" (${owned.scripts.length}) is declared.`);
    else {
      say(`${orphans.length} orphan(s) in dispatch namespace "${namespace}": tagged "${ownerTag(owner)}", not declared by the stack (${declared.size} declared names):`);
      const width = Math.max(...orphans.map((o) => o.name.length));
      for (const o of orphans) say(`  ${o.name.padEnd(width)}  modified_on ${o.modifiedOn ?? "unknown"}`);
    }
    let outcomes: OrphanOutcome[] | undefined;
    if (values.delete && orphans.length > 0) {
      outcomes = await deleteOrphans(client, { accountId: account, namespace }, orphans, owner, (o) =>
        say(o.outcome === "left" ? `left ${o.name}: ${o.reason}` : o.outcome === "gone" ? `${o.name} is already gone` : `deleted ${o.name}`),
      );
      const left = outcomes.filter((o) => o.outcome === "left").length;
      say(`${outcomes.filter((o) => o.outcome === "deleted").length} deleted, ${left} left in place${left > 0 ? " (run again to list what remains)" : ""}.`);
    } else if (orphans.length > 0) say("Run again with --delete to delete those still unchanged since this listing.");
    if (values.json) process.stdout.write(`${JSON.stringify({ orphans, ...(outcomes ? { outcomes } : {}) }, null, 2)}\n`);
    return 0;
  } finally {
    await client.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
