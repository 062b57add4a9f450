import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { ACCOUNT, type Asset, TestClient, asset, jwtPayload, manifestOf, start } from "../helpers.js";

let emu: RunningEmulator;
let client: TestClient;
beforeAll(async () => {
  ({ emu, client } = await start({ maxFiles: 50, maxBucketFiles: 3, maxBucketBytes: 4000 }));
  await client.createNamespace("ns-a");
  await client.createNamespace("ns-b");
});
afterAll(() => emu.close());

const files = (prefix: string, n: number): Record<string, Asset> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`/${prefix}/${i}.txt`, asset(`${prefix} file ${i}`)]));

describe("assets-upload-session", () => {
  it("answers {jwt, buckets} with every hash the store lacks, bucketed by file count", async () => {
    const assets = files("s1", 7);
    const res = await client.session({ namespace: "ns-a" }, "site", manifestOf(assets));
    expect(res.status).toBe(200);
    const { jwt, buckets } = res.body.result!;
    expect(buckets.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(new Set(buckets.flat())).toEqual(new Set(Object.values(assets).map((a) => a.hash)));
    const claims = jwtPayload(jwt);
    expect(claims).toMatchObject({ knd: "upload", acct: ACCOUNT, scope: "namespace", ns: "ns-a", script: "site" });
    expect(claims.exp).toBeTypeOf("number");
    expect(claims.wrangler_single_asset_uploads).toBeUndefined();
  });

  it("buckets by base64 bytes too", async () => {
    const big = { "/big1": asset("x".repeat(2000)), "/big2": asset("y".repeat(2000)), "/small": asset("z") };
    const res = await client.session({ namespace: "ns-a" }, "bytes", manifestOf(big));
    expect(res.body.result!.buckets).toEqual([[big["/big1"].hash], [big["/big2"].hash, big["/small"].hash]]);
  });

  it("lists a hash shared by several paths once", async () => {
    const same = asset("same bytes");
    const res = await client.session({ namespace: "ns-a" }, "dups", manifestOf({ "/a.txt": same, "/b.txt": same }));
    expect(res.body.result!.buckets).toEqual([[same.hash]]);
  });

  it("returns the completion JWT at once when nothing is missing (empty manifest)", async () => {
    const res = await client.session({ namespace: "ns-a" }, "empty", {});
    expect(res.body.result).toMatchObject({ buckets: [] });
    expect(jwtPayload(res.body.result!.jwt)).toMatchObject({ knd: "completion", script: "empty" });
  });

  it("dedups across sessions and scripts within a namespace, not across namespaces or the account", async () => {
    const assets = files("dedup", 4);
    await client.uploadAll({ namespace: "ns-a" }, "first", assets);
    const sameScript = await client.session({ namespace: "ns-a" }, "first", manifestOf(assets));
    expect(sameScript.body.result!.buckets).toEqual([]);
    expect(jwtPayload(sameScript.body.result!.jwt).knd).toBe("completion");

    const extra = asset("only in second");
    const otherScript = await client.session({ namespace: "ns-a" }, "second", manifestOf({ ...assets, "/new.txt": extra }));
    expect(otherScript.body.result!.buckets).toEqual([[extra.hash]]);

    const otherNamespace = await client.session({ namespace: "ns-b" }, "first", manifestOf(assets));
    expect(otherNamespace.body.result!.buckets.flat()).toHaveLength(4);

    const account = await client.session("account", "first", manifestOf(assets));
    expect(account.body.result!.buckets.flat()).toHaveLength(4);
    expect(jwtPayload(account.body.result!.jwt)).toMatchObject({ scope: "account", script: "first" });
  });

  it("resumes: a second session after a partial upload asks only for the rest", async () => {
    const assets = files("resume", 6);
    const first = await client.session({ namespace: "ns-a" }, "resume", manifestOf(assets));
    const [bucket] = first.body.result!.buckets;
    const byHash = new Map(Object.values(assets).map((a) => [a.hash, a]));
    expect((await client.upload(first.body.result!.jwt, bucket!.map((h) => byHash.get(h)!))).status).toBe(202);
    const second = await client.session({ namespace: "ns-a" }, "resume", manifestOf(assets));
    const asked = second.body.result!.buckets.flat();
    expect(asked).toHaveLength(3);
    for (const h of bucket!) expect(asked).not.toContain(h);
  });

  it("answers 404 for a namespace that does not exist", async () => {
    const res = await client.session({ namespace: "missing" }, "x", {});
    expect(res.status).toBe(404);
    expect(res.body.errors[0].code).toBe(10320);
  });

  it("refuses an invalid script name", async () => {
    const res = await client.session({ namespace: "ns-a" }, "bad.name", {});
    expect(res.status).toBe(400);
  });

  it("validates the manifest: leading slash (10304), hash, size, count", async () => {
    const key = await client.session({ namespace: "ns-a" }, "v", { "no-slash.txt": { hash: "a".repeat(32), size: 1 } });
    expect(key.status).toBe(400);
    expect(key.body.errors[0]).toMatchObject({ code: 10304 });
    const hash = await client.session({ namespace: "ns-a" }, "v", { "/x": { hash: "a".repeat(31), size: 1 } });
    expect(hash.body.errors[0].code).toBe(10305);
    const size = await client.session({ namespace: "ns-a" }, "v", { "/x": { hash: "a".repeat(32), size: 26 * 1024 * 1024 } });
    expect(size.body.errors[0].code).toBe(10306);
    const many = await client.session({ namespace: "ns-a" }, "v", manifestOf(files("many", 51)));
    expect(many.status).toBe(400);
    expect(many.body.errors[0]).toMatchObject({ code: 10307 });
    expect(many.body.errors[0].message).toContain("50");
    const body = await client.call("POST", `/accounts/${ACCOUNT}/workers/scripts/v/assets-upload-session`, { json: { files: {} } });
    expect(body.body.errors[0].code).toBe(10308);
  });
});

describe("per-file upload mode", () => {
  it("puts wrangler's per-file claims into the upload JWT when enabled", async () => {
    const { emu: perFile, client: c } = await start({ perFileUploads: true });
    try {
      await c.createNamespace("ns");
      const res = await c.session({ namespace: "ns" }, "s", manifestOf({ "/a": asset("per-file") }));
      expect(jwtPayload(res.body.result!.jwt)).toMatchObject({ wrangler_single_asset_uploads: true, edge_kv_upload_concurrency: 50 });
    } finally {
      await perFile.close();
    }
  });
});
