/** Creating the scratch dispatch namespace and reading it back. */
import type { ContractCheck } from "../context.js";
import { Problems, expectResult } from "../expect.js";
import { namespacePath, namespacesPath } from "../paths.js";
import { namespaceSchema } from "../schemas.js";

export const namespaceCreate: ContractCheck = {
  id: "namespace-create",
  title: "namespace create: POST …/dispatch/namespaces answers the new namespace",
  maxCalls: 1,
  needs: [],
  async run({ account, names, state, call }) {
    state.namespace = "unknown";
    const reply = await call("POST", namespacesPath(account), { json: { name: names.namespace } });
    state.namespace = reply.status >= 200 && reply.status <= 299 ? "created" : "refused";
    const ns = expectResult(reply, namespaceSchema, "POST namespaces");
    const p = new Problems();
    p.expect(ns.namespace_name === names.namespace, `POST namespaces: namespace_name is ${JSON.stringify(ns.namespace_name)}, expected "${names.namespace}"`);
    p.throwIfAny();
  },
};

export const namespaceGet: ContractCheck = {
  id: "namespace-get",
  title: "namespace get: GET …/dispatch/namespaces/{ns}",
  maxCalls: 1,
  needs: ["namespace-create"],
  async run({ account, names, call }) {
    const ns = expectResult(await call("GET", namespacePath(account, names.namespace)), namespaceSchema, "GET namespace");
    const p = new Problems();
    p.expect(ns.namespace_name === names.namespace, `GET namespace: namespace_name is ${JSON.stringify(ns.namespace_name)}, expected "${names.namespace}"`);
    if (ns.script_count !== undefined) p.expect(ns.script_count === 0, `GET namespace: script_count of the new namespace is ${ns.script_count}, expected 0`);
    p.throwIfAny();
  },
};
