/** Missing scripts (codes 10092 and 10007), deleting one script, and deleting by tag. */
import type { ContractCheck } from "../context.js";
import { Problems, errorProblems, expectResult } from "../expect.js";
import { scriptPath, scriptsPath, settingsPath, tagFilter } from "../paths.js";
import { listScripts } from "./listing.js";
import { z } from "zod";

/** Script deletes document no result (`ScriptDeleteResponse = unknown`): only the envelope is judged. */
const anyResult = z.unknown();

export const missingScript: ContractCheck = {
  id: "missing-script",
  title: "missing script: 404 with code 10092 on GET script, 10007 on GET settings",
  maxCalls: 2,
  needs: ["namespace-create"],
  async run({ account, names, call }) {
    const p = new Problems();
    // 10092 is the one code wrangler's `deploy --dispatch-namespace` reads as "this Worker is new" on this route.
    p.add(errorProblems(await call("GET", scriptPath(account, names.namespace, names.missingScript)), 404, 10092, "GET missing script"));
    p.add(errorProblems(await call("GET", settingsPath(account, names.namespace, names.missingScript)), 404, 10007, "GET settings of a missing script"));
    p.throwIfAny();
  },
};

export const deleteScript: ContractCheck = {
  id: "delete-script",
  title: "delete: DELETE …/scripts/{s}, then GET answers 404 10092",
  maxCalls: 2,
  needs: ["script-put-assets-only"],
  async run({ account, names, state, call }) {
    const p = new Problems();
    expectResult(await call("DELETE", scriptPath(account, names.namespace, names.assetsScript)), anyResult, "DELETE script");
    state.alive.delete(names.assetsScript);
    p.add(errorProblems(await call("GET", scriptPath(account, names.namespace, names.assetsScript)), 404, 10092, "GET deleted script"));
    p.throwIfAny();
  },
};

export const deleteByTag: ContractCheck = {
  id: "delete-by-tag",
  title: "bulk delete by tag: DELETE …/scripts?tags=<tag>:yes removes the tagged scripts",
  maxCalls: 2,
  needs: ["script-put-code"],
  async run(ctx) {
    const { account, names, state, call } = ctx;
    const p = new Problems();
    const query = `tags=${tagFilter([[names.ownerTag, true]])}`;
    expectResult(await call("DELETE", `${scriptsPath(account, names.namespace)}?${query}`), anyResult, `DELETE scripts?${query}`);
    state.alive.delete(names.codeScript);
    state.alive.delete(names.assetsScript);
    const { ids } = await listScripts(ctx, query, `GET scripts?${query} after the bulk delete`);
    p.expect(ids.length === 0, `GET scripts?${query} after the bulk delete: ${JSON.stringify(ids)} still listed`);
    p.throwIfAny();
  },
};
