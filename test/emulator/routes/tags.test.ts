/**
 * Workers for Platforms' tag routes on namespace scripts (src/emulator/routes/tags.ts): read, replace, add and
 * remove tags; the listing filter sees the change; the bulk delete removes exactly the scripts a filter matches,
 * and the emulator stops serving them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { ACCOUNT, type TestClient, WORKER_JS, start } from "../helpers.js";
import { siteGet } from "../serve-helpers.js";

const NS = "tagged";
const base = `/accounts/${ACCOUNT}/workers/dispatch/namespaces/${NS}/scripts`;
const OWNER = "wfp-owner=platform/prod";
const enc = encodeURIComponent;

let emu: RunningEmulator;
let client: TestClient;

beforeAll(async () => {
  ({ emu, client } = await start());
  await client.createNamespace(NS);
  for (const [name, tags] of [["a", [OWNER, "plan:pro"]], ["b", [OWNER]], ["c", ["hand-made"]]] as const) {
    const put = await client.putScript({ namespace: NS }, name, { main_module: "index.js", tags }, [{ name: "index.js", content: WORKER_JS.replace("hi", `hi from ${name}`) }]);
    expect(put.status, put.text).toBe(200);
  }
});
afterAll(() => emu?.close());

async function listed(filter: string): Promise<string[]> {
  const res = await client.call("GET", `${base}?tags=${enc(filter)}`);
  expect(res.status, res.text).toBe(200);
  return res.body.result.map((s: { id: string }) => s.id);
}

describe("script tags", () => {
  it("GET answers a script's tags; a missing script is 404 10007", async () => {
    const res = await client.call("GET", `${base}/a/tags`);
    expect(res.body.result).toEqual([OWNER, "plan:pro"]);
    expect((await client.call("GET", `${base}/nobody/tags`)).body.errors[0].code).toBe(10007);
  });

  it("PUT replaces them (null clears), leaving modified_on and the etag alone", async () => {
    const before = (await client.call("GET", `${base}/c`)).body.result.script;
    const res = await client.call("PUT", `${base}/c/tags`, { json: ["hand-made", "legacy"] });
    expect(res.status, res.text).toBe(200);
    expect(res.body.result).toEqual(["hand-made", "legacy"]);
    const after = (await client.call("GET", `${base}/c`)).body.result.script;
    expect(after).toMatchObject({ tags: ["hand-made", "legacy"], modified_on: before.modified_on, etag: before.etag });
    expect((await client.call("PUT", `${base}/c/tags`, { json: null })).body.result).toEqual([]);
    expect((await client.call("PUT", `${base}/c/tags`, { json: ["hand-made"] })).body.result).toEqual(["hand-made"]);
  });

  it("PUT and DELETE of one tag (percent-encoded in the path) add and remove it; the listing filter follows", async () => {
    expect(await listed(`${OWNER}:yes`)).toEqual(["a", "b"]);
    expect((await client.call("PUT", `${base}/c/tags/${enc(OWNER)}`)).status).toBe(200);
    expect((await client.call("GET", `${base}/c/tags`)).body.result).toEqual(["hand-made", OWNER]);
    expect(await listed(`${OWNER}:yes`)).toEqual(["a", "b", "c"]);
    expect(await listed(`${OWNER}:yes,plan:pro:no`)).toEqual(["b", "c"]);
    const removed = await client.call("DELETE", `${base}/c/tags/${enc(OWNER)}`);
    expect(removed.status).toBe(200);
    expect(removed.body.result).toBeNull();
    expect(await listed(`${OWNER}:yes`)).toEqual(["a", "b"]);
    // Removing a tag the script does not carry is not an error.
    expect((await client.call("DELETE", `${base}/c/tags/absent`)).status).toBe(200);
  });

  it("refuses a ninth tag, a tag with ',' and a body that is not a list", async () => {
    const eight = ["1", "2", "3", "4", "5", "6", "7", "8"];
    expect((await client.call("PUT", `${base}/b/tags`, { json: [...eight, "9"] })).status).toBe(400);
    expect((await client.call("PUT", `${base}/b/tags`, { json: [OWNER, ...eight.slice(1)] })).status).toBe(200);
    expect((await client.call("PUT", `${base}/b/tags/one-more`)).status).toBe(400);
    expect((await client.call("PUT", `${base}/b/tags/${enc("x,y")}`)).status).toBe(400);
    expect((await client.call("PUT", `${base}/b/tags`, { json: { tags: [OWNER] } })).status).toBe(400);
    expect((await client.call("GET", `${base}/b/tags`)).body.result).toEqual([OWNER, ...eight.slice(1)]);
  });

  it("DELETE …/scripts?tags= deletes exactly the scripts the filter matches, and they are no longer served", async () => {
    expect((await siteGet(emu, `a.${NS}.localhost`, "/")).body).toBe("hi from a");
    expect((await client.call("DELETE", base)).status).toBe(400); // no filter: never "delete everything"
    const res = await client.call("DELETE", `${base}?tags=${enc(`${OWNER}:yes,plan:pro:no`)}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.result).toBeNull();
    expect(await listed(`${OWNER}:yes`)).toEqual(["a"]);
    expect((await client.call("GET", base)).body.result.map((s: { id: string }) => s.id)).toEqual(["a", "c"]);
    expect((await siteGet(emu, `b.${NS}.localhost`, "/")).status).toBe(404);
    expect((await siteGet(emu, `a.${NS}.localhost`, "/")).body).toBe("hi from a");
    expect((await emu.stats()).accounts[ACCOUNT]!.requests["DELETE namespace-scripts"]).toBe(2);
  });
});
