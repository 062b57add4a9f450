import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { MAX_PAGE_SIZE, paginate, parsePageRequest } from "../../../src/emulator/protocol/pagination.js";
import { ACCOUNT, TestClient, WORKER_JS, start } from "../helpers.js";

describe("paginate", () => {
  const names = ["a", "b", "c", "d", "e"];
  it("walks every item exactly once, page by page", () => {
    const seen: string[] = [];
    let cursor = "";
    do {
      const page = paginate(names, (n) => n, parsePageRequest(new URLSearchParams({ limit: "2", cursor })));
      seen.push(...page.items);
      expect(page.resultInfo.count).toBe(page.items.length);
      cursor = page.resultInfo.cursor;
    } while (cursor !== "");
    expect(seen).toEqual(names);
  });

  it("continues after the named item even when items were added or removed meanwhile", () => {
    const first = paginate(names, (n) => n, { limit: 2, after: undefined });
    const later = paginate(["a", "c", "ca", "d"], (n) => n, parsePageRequest(new URLSearchParams({ limit: "2", cursor: first.resultInfo.cursor })));
    expect(later.items).toEqual(["c", "ca"]);
  });

  it.each([["0"], ["1001"], ["x"], ["2.5"]])("refuses limit=%s", (limit) => {
    expect(() => parsePageRequest(new URLSearchParams({ limit }))).toThrow(/limit must be an integer from 1 to 1000/);
  });

  it("refuses a cursor it did not hand out", () => {
    expect(() => parsePageRequest(new URLSearchParams({ cursor: "not a cursor!" }))).toThrow(/not a cursor/);
  });

  it("defaults to the maximum page", () => {
    expect(parsePageRequest(new URLSearchParams())).toEqual({ limit: MAX_PAGE_SIZE, after: undefined });
  });
});

describe("GET …/namespaces/{ns}/scripts with limit and cursor", () => {
  let emu: RunningEmulator;
  let client: TestClient;
  beforeAll(async () => {
    ({ emu, client } = await start());
    await client.createNamespace("paged");
    for (const name of ["s1", "s2", "s3", "s4", "s5"]) {
      await client.putScript({ namespace: "paged" }, name, { main_module: "index.js", tags: name === "s3" ? ["odd"] : [] }, [{ name: "index.js", content: WORKER_JS }]);
    }
  });
  afterAll(() => emu.close());

  it("pages through the namespace with result_info {count, cursor}", async () => {
    const base = `/accounts/${ACCOUNT}/workers/dispatch/namespaces/paged/scripts`;
    const first = await client.call("GET", `${base}?limit=2`);
    expect(first.body.result.map((s: { id: string }) => s.id)).toEqual(["s1", "s2"]);
    expect(first.body.result_info).toEqual({ count: 2, cursor: expect.stringMatching(/^[A-Za-z0-9_-]+$/) });
    const second = await client.call("GET", `${base}?limit=2&cursor=${first.body.result_info!.cursor}`);
    expect(second.body.result.map((s: { id: string }) => s.id)).toEqual(["s3", "s4"]);
    const last = await client.call("GET", `${base}?limit=2&cursor=${second.body.result_info!.cursor}`);
    expect(last.body.result.map((s: { id: string }) => s.id)).toEqual(["s5"]);
    expect(last.body.result_info).toEqual({ count: 1, cursor: "" });
    const tagged = await client.call("GET", `${base}?tags=odd:no&limit=10`);
    expect(tagged.body.result.map((s: { id: string }) => s.id)).toEqual(["s1", "s2", "s4", "s5"]);
    expect((await client.call("GET", `${base}?limit=5000`)).status).toBe(400);
  });
});
