import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { ACCOUNT, TestClient, start } from "../helpers.js";

let emu: RunningEmulator;
let client: TestClient;
beforeAll(async () => {
  ({ emu, client } = await start());
});
afterAll(() => emu.close());

const base = `/accounts/${ACCOUNT}/workers/dispatch/namespaces`;

describe("dispatch namespaces", () => {
  it("creates a namespace and answers with Cloudflare's shape", async () => {
    const res = await client.createNamespace("tenants");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, errors: [], messages: [] });
    expect(res.body.result).toMatchObject({ namespace_name: "tenants", script_count: 0, trusted_workers: false });
    expect(res.body.result.namespace_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(res.body.result.created_on)).not.toBeNaN();
  });

  it("refuses a duplicate name with 409", async () => {
    await client.createNamespace("dup");
    const res = await client.createNamespace("dup");
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ success: false, result: null, errors: [{ code: 10321 }] });
  });

  it.each([[""], ["has space"], ["a/b"], ["x".repeat(64)], [42]])("refuses the name %j with 400", async (name) => {
    const res = await client.call("POST", base, { json: { name } });
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
  });

  it("refuses a body that is not JSON", async () => {
    const res = await client.call("POST", base, { body: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(400);
  });

  it("lists and gets namespaces", async () => {
    await client.createNamespace("listed");
    const list = await client.call("GET", base);
    expect(list.status).toBe(200);
    expect(list.body.result.map((n: { namespace_name: string }) => n.namespace_name)).toContain("listed");
    const one = await client.call("GET", `${base}/listed`);
    expect(one.body.result.namespace_name).toBe("listed");
  });

  it("answers 404 with a clear envelope for a missing namespace", async () => {
    const res = await client.call("GET", `${base}/nope`);
    expect(res.status).toBe(404);
    expect(res.body.errors[0]).toMatchObject({ code: 10320 });
    expect(res.body.errors[0].message).toContain('"nope"');
  });

  it("deletes a namespace, after which it is gone and the name is free again", async () => {
    const created = await client.createNamespace("gone");
    const del = await client.call("DELETE", `${base}/gone`);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ success: true, result: null });
    expect((await client.call("GET", `${base}/gone`)).status).toBe(404);
    expect((await client.call("DELETE", `${base}/gone`)).status).toBe(404);
    const again = await client.createNamespace("gone");
    expect(again.body.result.namespace_id).not.toBe(created.body.result.namespace_id);
  });

  it("keeps a name like __proto__ as an ordinary namespace", async () => {
    expect((await client.createNamespace("__proto__")).status).toBe(200);
    expect((await client.call("GET", `${base}/__proto__`)).body.result.namespace_name).toBe("__proto__");
    const stats = await emu.stats();
    expect(Object.keys(stats.accounts[ACCOUNT]!.namespaces)).toContain("__proto__");
  });

  it("keeps accounts apart", async () => {
    const other = "00000000000000000000000000000001";
    await client.createNamespace("only-here");
    const res = await client.call("GET", `/accounts/${other}/workers/dispatch/namespaces/only-here`);
    expect(res.status).toBe(404);
  });
});
