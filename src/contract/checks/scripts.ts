/**
 * Script uploads into the namespace (with a worker module, assets only, and `keep_assets`) and what GET, settings
 * and tags read back.
 */
import type { CheckContext, ContractCheck } from "../context.js";
import { ContractFailure, Problems, expectResult, sameSet } from "../expect.js";
import type { Part } from "../http.js";
import { scriptPath, settingsPath, tagsPath } from "../paths.js";
import { namespaceScriptSchema, namespaceSettingsSchema, putAnswerSchema, tagListSchema } from "../schemas.js";
import { workerModule } from "../site.js";
import { z } from "zod";

const COMPATIBILITY_DATE = "2025-06-01";

const codeBindings = (runId: string) => [
  { type: "assets", name: "ASSETS" },
  { type: "plain_text", name: "CONTRACT", text: runId },
];

/** The script PUT as wrangler builds it: `metadata` a plain field, each module a file part under its name. */
function scriptForm(metadata: Record<string, unknown>, module?: string): Part[] {
  const parts: Part[] = [{ name: "metadata", content: JSON.stringify(metadata) }];
  if (module !== undefined) parts.push({ name: "index.js", filename: "index.js", contentType: "application/javascript+module", content: module });
  return parts;
}

async function put(ctx: CheckContext, script: string, parts: Part[], p: Problems, expect: { modules: boolean; tags: string[] }) {
  ctx.state.alive.add(script);
  const answer = expectResult(await ctx.call("PUT", scriptPath(ctx.account, ctx.names.namespace, script), { parts }), putAnswerSchema, "PUT script");
  // Every field but startup_time_ms is optional in the documented schema: judge the ones present.
  if (answer.id !== undefined) p.expect(answer.id === script, `PUT script: id is "${answer.id}", expected "${script}"`);
  if (answer.has_assets !== undefined) p.expect(answer.has_assets, "PUT script: has_assets is false for a script with assets");
  if (answer.has_modules !== undefined && expect.modules) p.expect(answer.has_modules, "PUT script: has_modules is false for a script with a module");
  if (answer.tags) p.expect(sameSet(answer.tags, expect.tags), `PUT script: tags ${JSON.stringify(answer.tags)}, expected ${JSON.stringify(expect.tags)}`);
  return answer;
}

/** GET the namespace script and check what the product's drift detection relies on (etag, modified_on, has_assets). */
async function getScript(ctx: CheckContext, script: string, p: Problems) {
  const got = expectResult(await ctx.call("GET", scriptPath(ctx.account, ctx.names.namespace, script)), namespaceScriptSchema, "GET script");
  if (got.dispatch_namespace !== undefined) p.expect(got.dispatch_namespace === ctx.names.namespace, `GET script: dispatch_namespace is "${got.dispatch_namespace}", expected "${ctx.names.namespace}"`);
  const s = got.script;
  if (!s) throw new ContractFailure([...p.list, "GET script: no `script` object in the answer"]);
  p.expect(s.id === script, `GET script: script.id is ${JSON.stringify(s.id)}, expected "${script}"`);
  p.expect(s.has_assets === true, `GET script: script.has_assets is ${JSON.stringify(s.has_assets)}, expected true`);
  p.expect(typeof s.etag === "string" && s.etag.length > 0, "GET script: no script.etag");
  p.expect(typeof s.modified_on === "string", "GET script: no script.modified_on");
  return s;
}

export const scriptPutWithCode: ContractCheck = {
  id: "script-put-code",
  title: "script PUT with code: module + assets binding + completion JWT + tags",
  maxCalls: 1,
  needs: ["completion-jwt"],
  async run(ctx) {
    const p = new Problems();
    const { names, state } = ctx;
    const metadata = {
      main_module: "index.js",
      compatibility_date: COMPATIBILITY_DATE,
      bindings: codeBindings(names.runId),
      tags: [names.ownerTag, names.codeTag],
      assets: { jwt: state.completionJwt, config: { html_handling: "auto-trailing-slash", not_found_handling: "404-page" } },
    };
    const answer = await put(ctx, names.codeScript, scriptForm(metadata, workerModule(1)), p, { modules: true, tags: [names.ownerTag, names.codeTag] });
    if (answer.entry_point !== undefined) p.expect(answer.entry_point === "index.js", `PUT script: entry_point is "${answer.entry_point}", expected "index.js"`);
    p.throwIfAny();
  },
};

export const scriptGet: ContractCheck = {
  id: "script-get",
  title: "GET script: the namespace script with etag, modified_on, has_assets, tags",
  maxCalls: 1,
  needs: ["script-put-code"],
  async run(ctx) {
    const p = new Problems();
    const s = await getScript(ctx, ctx.names.codeScript, p);
    if (s.tags !== undefined) p.expect(sameSet(s.tags ?? [], [ctx.names.ownerTag, ctx.names.codeTag]), `GET script: script.tags ${JSON.stringify(s.tags)}, expected the two tags sent`);
    ctx.state.firstEtag = s.etag;
    p.throwIfAny();
  },
};

export const scriptSettings: ContractCheck = {
  id: "script-settings",
  title: "GET settings: bindings, compatibility date, tags",
  maxCalls: 1,
  needs: ["script-put-code"],
  async run(ctx) {
    const p = new Problems();
    const { names } = ctx;
    const settings = expectResult(await ctx.call("GET", settingsPath(ctx.account, names.namespace, names.codeScript)), namespaceSettingsSchema, "GET settings");
    const sent = codeBindings(names.runId).map((b) => JSON.stringify(b, Object.keys(b).sort()));
    const got = (settings.bindings ?? []).map((b) => JSON.stringify(b, Object.keys(b).sort()));
    p.expect(sameSet(got, sent), `GET settings: bindings ${JSON.stringify(settings.bindings)}, expected ${JSON.stringify(codeBindings(names.runId))}`);
    p.expect(settings.compatibility_date === COMPATIBILITY_DATE, `GET settings: compatibility_date is ${JSON.stringify(settings.compatibility_date)}, expected "${COMPATIBILITY_DATE}"`);
    if (settings.tags !== undefined) p.expect(sameSet(settings.tags ?? [], [names.ownerTag, names.codeTag]), `GET settings: tags ${JSON.stringify(settings.tags)}, expected the two tags sent`);
    p.throwIfAny();
  },
};

export const scriptTags: ContractCheck = {
  id: "script-tags",
  title: "GET tags: GET …/scripts/{s}/tags lists the script's tags",
  maxCalls: 1,
  needs: ["script-put-code"],
  async run(ctx) {
    const { names } = ctx;
    // A single page: Cloudflare's envelope may describe it in result_info, whose fields this route does not document.
    const tags = expectResult(await ctx.call("GET", tagsPath(ctx.account, names.namespace, names.codeScript)), tagListSchema, "GET tags", z.record(z.string(), z.unknown()).optional());
    const p = new Problems();
    p.expect(sameSet(tags, [names.ownerTag, names.codeTag]), `GET tags: ${JSON.stringify(tags)}, expected ${JSON.stringify([names.ownerTag, names.codeTag])}`);
    p.throwIfAny();
  },
};

export const scriptPutAssetsOnly: ContractCheck = {
  id: "script-put-assets-only",
  title: "script PUT without code: metadata only, assets from a second session",
  maxCalls: 1,
  needs: ["session-dedup"],
  async run(ctx) {
    const p = new Problems();
    const { names, state } = ctx;
    if (!state.secondCompletionJwt) throw new ContractFailure(["the second session gave no completion JWT"]);
    const metadata = { compatibility_date: COMPATIBILITY_DATE, tags: [names.ownerTag], assets: { jwt: state.secondCompletionJwt, config: { html_handling: "none", not_found_handling: "single-page-application" } } };
    await put(ctx, names.assetsScript, scriptForm(metadata), p, { modules: false, tags: [names.ownerTag] });
    p.throwIfAny();
  },
};

export const keepAssets: ContractCheck = {
  id: "keep-assets",
  title: "keep_assets: new code and asset config without a JWT keep the assets",
  maxCalls: 2,
  needs: ["script-get"],
  async run(ctx) {
    const p = new Problems();
    const { names, state } = ctx;
    // The assets binding is kept: Cloudflare refuses one without assets, so a 200 already says the assets stayed.
    const metadata = {
      main_module: "index.js",
      compatibility_date: COMPATIBILITY_DATE,
      bindings: codeBindings(names.runId),
      tags: [names.ownerTag, names.codeTag],
      keep_assets: true,
      assets: { config: { html_handling: "auto-trailing-slash", not_found_handling: "single-page-application" } },
    };
    await put(ctx, names.codeScript, scriptForm(metadata, workerModule(2)), p, { modules: true, tags: [names.ownerTag, names.codeTag] });
    const s = await getScript(ctx, names.codeScript, p);
    // etag is documented as a hash of the script content, and the module changed.
    if (state.firstEtag !== undefined) p.expect(s.etag !== state.firstEtag, "GET script after keep_assets: etag unchanged although the worker module changed");
    p.throwIfAny();
  },
};
