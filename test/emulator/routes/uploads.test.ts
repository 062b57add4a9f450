import path from "node:path";
import { Readable } from "node:stream";
import { FormData, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { BlobStore } from "../../../src/emulator/store/blobs.js";
import { ACCOUNT, OTHER_ACCOUNT, TestClient, asset, jwtPayload, manifestOf, start } from "../helpers.js";

let emu: RunningEmulator;
let client: TestClient;
beforeAll(async () => {
  ({ emu, client } = await start({ maxBucketFiles: 2, maxRequestBytes: 64 * 1024 }));
  await client.createNamespace("up");
});
afterAll(() => emu.close());

async function openSession(script: string, assets: Record<string, ReturnType<typeof asset>>) {
  const res = await client.session({ namespace: "up" }, script, manifestOf(assets));
  expect(res.status).toBe(200);
  return res.body.result!;
}

async function readBlob(namespace: string, hash: string) {
  const ns = await client.call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/${namespace}`);
  const store = new BlobStore(path.join(emu.dataDir, "blobs"), path.join(emu.dataDir, "tmp"));
  const blob = await store.read({ account: ACCOUNT, kind: "namespace", namespaceId: ns.body.result.namespace_id }, hash);
  if (!blob) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of blob.stream) chunks.push(c as Buffer);
  return { contentType: blob.contentType, bytes: Buffer.concat(chunks) };
}

describe("bulk upload (POST /workers/assets/upload?base64=true)", () => {
  it("answers 202 {} while hashes are missing and 201 {jwt} on the request that completes the set", async () => {
    const assets = { "/a.txt": asset("A"), "/b.txt": asset("B"), "/c.txt": asset("C"), "/d.txt": asset("D") };
    const { jwt, buckets } = await openSession("order", assets);
    const byHash = new Map(Object.values(assets).map((a) => [a.hash, a]));
    expect(buckets).toHaveLength(2);
    // upload the last bucket first: completion depends on the set, not on bucket order
    const first = await client.upload(jwt, buckets[1]!.map((h) => byHash.get(h)!));
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ success: true, errors: [], messages: [], result: {} });
    const second = await client.upload(jwt, buckets[0]!.map((h) => byHash.get(h)!));
    expect(second.status).toBe(201);
    const completion = second.body.result.jwt!;
    expect(jwtPayload(completion)).toMatchObject({ knd: "completion", acct: ACCOUNT, scope: "namespace", ns: "up", script: "order" });
  });

  it("stores the decoded bytes with the part's content type ('application/null' = none)", async () => {
    const html = asset("<html>hi</html>", "html", "text/html; charset=utf-8");
    const odd = asset(Buffer.from([0, 1, 2, 250, 255]), "greg", "application/null");
    const { jwt } = await openSession("types", { "/index.html": html, "/x.greg": odd });
    expect((await client.upload(jwt, [html, odd])).status).toBe(201);
    const storedHtml = await readBlob("up", html.hash);
    expect(storedHtml?.bytes.toString()).toBe("<html>hi</html>");
    // The part's Content-Type header exactly as sent, charset included (as Cloudflare serves it back).
    expect(storedHtml?.contentType).toBe("text/html; charset=utf-8");
    const storedOdd = await readBlob("up", odd.hash);
    expect(storedOdd).toEqual({ contentType: null, bytes: Buffer.from([0, 1, 2, 250, 255]) });
  });

  it("accepts plain string fields (the official SDK's shape) without a content type", async () => {
    const a = asset("sdk style");
    const { jwt } = await openSession("sdk", { "/a.txt": a });
    const form = new FormData();
    form.append(a.hash, a.content.toString("base64"));
    const res = await client.call("POST", `/accounts/${ACCOUNT}/workers/assets/upload?base64=true`, { form, auth: { bearer: jwt } });
    expect(res.status).toBe(201);
    expect((await readBlob("up", a.hash))?.contentType).toBeNull();
  });

  it("stores a file part that sent no Content-Type header without a type (busboy would say text/plain)", async () => {
    const a = asset("no type at all", "txt");
    const { jwt } = await openSession("untyped", { "/a.txt": a });
    const boundary = "----emulator-test-boundary";
    const body = [
      `--${boundary}\r\nContent-Disposition: form-data; name="${a.hash}"; filename="${a.hash}"\r\n\r\n${a.content.toString("base64")}\r\n`,
      `--${boundary}--\r\n`,
    ].join("");
    const res = await client.call("POST", `/accounts/${ACCOUNT}/workers/assets/upload?base64=true`, {
      body,
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      auth: { bearer: jwt },
    });
    expect(res.status).toBe(201);
    expect((await readBlob("up", a.hash))?.contentType).toBeNull();
  });

  it("accepts upper-case hashes as the same key", async () => {
    const a = asset("upper case");
    const { jwt } = await openSession("upper", { "/a.txt": { ...a, hash: a.hash.toUpperCase() } });
    expect((await client.upload(jwt, [{ ...a, hash: a.hash.toUpperCase() }])).status).toBe(201);
  });

  it("refuses a hash outside the session's manifest and stores nothing from that request", async () => {
    const a = asset("in manifest"), stranger = asset("not in manifest");
    const { jwt } = await openSession("stranger", { "/a.txt": a });
    const res = await client.upload(jwt, [a, stranger]);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].code).toBe(10312);
    expect(res.body.errors[0].message).toContain(stranger.hash);
    const again = await client.session({ namespace: "up" }, "stranger", manifestOf({ "/a.txt": a }));
    expect(again.body.result!.buckets).toEqual([[a.hash]]);
  });

  it("refuses a part not named by a hash", async () => {
    const a = asset("x1");
    const { jwt } = await openSession("badname", { "/a.txt": a });
    const res = await client.upload(jwt, [{ ...a, hash: "file.txt" }]);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toContain("file.txt");
  });

  it("refuses base64 that does not decode", async () => {
    const a = asset("valid bytes");
    const { jwt } = await openSession("b64", { "/a.txt": a });
    const form = new FormData();
    form.append(a.hash, new Blob(["***not base64***"], { type: "text/plain" }), a.hash);
    const res = await client.call("POST", `/accounts/${ACCOUNT}/workers/assets/upload?base64=true`, { form, auth: { bearer: jwt } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/not valid base64/);
  });

  it("refuses content whose size differs from the manifest", async () => {
    const a = asset("twelve bytes");
    const { jwt } = await openSession("size", { "/a.txt": a });
    const longer = await client.upload(jwt, [{ ...a, content: Buffer.from("thirteen byte") }]);
    expect(longer.status).toBe(400);
    expect(longer.body.errors[0].message).toMatch(/more than the 12 bytes/);
    const shorter = await client.upload(jwt, [{ ...a, content: Buffer.from("short") }]);
    expect(shorter.status).toBe(400);
    expect(shorter.body.errors[0].message).toMatch(/holds 5 bytes/);
  });

  it("requires ?base64=true, a multipart body and at least one part", async () => {
    const a = asset("q");
    const { jwt } = await openSession("query", { "/a.txt": a });
    const noQuery = await client.upload(jwt, [a], ACCOUNT, "");
    expect(noQuery.status).toBe(400);
    expect(noQuery.body.errors[0].code).toBe(10315);
    const json = await client.call("POST", `/accounts/${ACCOUNT}/workers/assets/upload?base64=true`, { json: { [a.hash]: "cQ==" }, auth: { bearer: jwt } });
    expect(json.status).toBe(400);
    expect((await client.upload(jwt, [])).status).toBe(400);
    const noBoundary = await client.call("POST", `/accounts/${ACCOUNT}/workers/assets/upload?base64=true`, { body: "x", headers: { "content-type": "multipart/form-data" }, auth: { bearer: jwt } });
    expect(noBoundary.status).toBe(400);
    const truncated = await client.call("POST", `/accounts/${ACCOUNT}/workers/assets/upload?base64=true`, {
      body: `--b\r\nContent-Disposition: form-data; name="${a.hash}"; filename="${a.hash}"\r\n\r\ncQ==`,
      headers: { "content-type": "multipart/form-data; boundary=b" },
      auth: { bearer: jwt },
    });
    expect(truncated.status).toBe(400);
    expect(truncated.body.errors[0].message).toMatch(/Malformed multipart/);
  });

  it("refuses upload JWTs that are tampered with, from another account, or completion JWTs (401)", async () => {
    const a = asset("jwt checks");
    const { jwt } = await openSession("jwt", { "/a.txt": a });
    const [h, p, s] = jwt.split(".");
    const tampered = `${h}.${p}.${s!.slice(0, -2)}${s!.endsWith("AA") ? "BB" : "AA"}`;
    for (const res of [await client.upload(tampered, [a]), await client.upload("garbage", [a]), await client.upload(jwt, [a], OTHER_ACCOUNT)]) {
      expect(res.status).toBe(401);
      expect(res.body.success).toBe(false);
      expect(res.body.errors[0].code).toBe(10310);
    }
    const done = await client.upload(jwt, [a]);
    const completion = done.body.result.jwt!;
    const withCompletion = await client.upload(completion, [a]);
    expect(withCompletion.status).toBe(401);
    expect(withCompletion.body.errors[0].message).toMatch(/expected an upload JWT but got a completion JWT/);
  });

  it("invalidates a session's upload JWT when its namespace is deleted", async () => {
    await client.createNamespace("doomed");
    const a = asset("doomed file");
    const session = await client.session({ namespace: "doomed" }, "s", manifestOf({ "/a": a }));
    await client.call("DELETE", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/doomed`);
    const res = await client.upload(session.body.result!.jwt, [a]);
    expect(res.status).toBe(401);
    expect(res.body.errors[0].message).toContain("doomed");
  });

  it("counts requests, files, bytes and per-hash uploads in the stats", async () => {
    await client.createNamespace("counted");
    const a = asset("count me"), b = asset("me too!");
    const session = await client.session({ namespace: "counted" }, "s", manifestOf({ "/a": a, "/b": b }));
    await client.upload(session.body.result!.jwt, [a]);
    await client.upload(session.body.result!.jwt, [a, b]);
    const store = (await emu.stats()).accounts[ACCOUNT]!.stores["namespace:counted"]!;
    expect(store).toEqual({
      uploadRequests: 2,
      filesUploaded: 3,
      bytesUploaded: 2 * a.content.length + b.content.length,
      perHash: { [a.hash]: 2, [b.hash]: 1 },
      blobs: 2,
    });
  });
});

describe("large assets", () => {
  it("round-trips a multi-megabyte binary asset", async () => {
    const { emu: e, client: c } = await start();
    try {
      await c.createNamespace("large");
      const bytes = Buffer.alloc(3 * 1024 * 1024 + 1);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251;
      const big = asset(bytes, "bin", "application/octet-stream");
      const jwt = await c.uploadAll({ namespace: "large" }, "s", { "/big.bin": big });
      expect(jwtPayload(jwt).knd).toBe("completion");
      const ns = await c.call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/large`);
      const store = new BlobStore(path.join(e.dataDir, "blobs"), path.join(e.dataDir, "tmp"));
      const blob = await store.read({ account: ACCOUNT, kind: "namespace", namespaceId: ns.body.result.namespace_id }, big.hash);
      const chunks: Buffer[] = [];
      for await (const chunk of blob!.stream) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
      expect(blob!.contentType).toBe("application/octet-stream");
    } finally {
      await e.close();
    }
  });
});

describe("oversize bodies (413)", () => {
  it("refuses a declared Content-Length over the limit without reading the body", async () => {
    const a = asset("x".repeat(50_000));
    const b = asset("y".repeat(50_000));
    const { jwt } = await openSession("big", { "/a": a, "/b": b });
    const res = await client.upload(jwt, [a, b]);
    expect(res.status).toBe(413);
    expect(res.body.errors[0].code).toBe(10314);
  });

  it("cuts off a chunked body once it exceeds the limit", async () => {
    const a = asset("z");
    const { jwt } = await openSession("chunked", { "/a": a });
    const boundary = "----emulator-test-boundary";
    async function* body() {
      yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${a.hash}"; filename="${a.hash}"\r\nContent-Type: text/plain\r\n\r\n`);
      for (let i = 0; i < 40; i++) yield Buffer.alloc(4096, "Q");
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    }
    const res = await request(`${emu.url}/accounts/${ACCOUNT}/workers/assets/upload?base64=true`, {
      method: "POST",
      headers: { authorization: `Bearer ${jwt}`, "content-type": `multipart/form-data; boundary=${boundary}` },
      body: Readable.from(body()),
    });
    expect(res.statusCode).toBe(413);
    const envelope = (await res.body.json()) as { errors: Array<{ code: number }> };
    expect(envelope.errors[0]!.code).toBe(10314);
  });

  it("refuses an oversize JSON body on the session route", async () => {
    const manifest = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`/file-${i}.txt`, { hash: "a".repeat(32), size: 1 }]));
    const res = await client.session({ namespace: "up" }, "huge", manifest);
    expect(res.status).toBe(413);
  });
});

describe("per-file upload (POST /workers/assets/upload/{hash})", () => {
  it("is a 404 unless enabled", async () => {
    const a = asset("disabled");
    const { jwt } = await openSession("pf-off", { "/a": a });
    const res = await client.call("POST", `/accounts/${ACCOUNT}/workers/assets/upload/${a.hash}`, { body: a.content, auth: { bearer: jwt } });
    expect(res.status).toBe(404);
  });

  it("takes raw bytes with their Content-Type and answers 202 then 201", async () => {
    const { emu: pf, client: c } = await start({ perFileUploads: true });
    try {
      await c.createNamespace("pf");
      const css = asset("body{}", "css", "text/css; charset=utf-8");
      const png = asset(Buffer.from([137, 80, 78, 71]), "png", "image/png");
      const session = await c.session({ namespace: "pf" }, "s", manifestOf({ "/a.css": css, "/b.png": png }));
      const jwt = session.body.result!.jwt;
      const put = (a: typeof css) =>
        c.call("POST", `/accounts/${ACCOUNT}/workers/assets/upload/${a.hash}`, { body: a.content, headers: { "content-type": a.type }, auth: { bearer: jwt } });
      expect((await put(css)).status).toBe(202);
      const done = await put(png);
      expect(done.status).toBe(201);
      expect(jwtPayload(done.body.result.jwt).knd).toBe("completion");
      const wrong = await c.call("POST", `/accounts/${ACCOUNT}/workers/assets/upload/${"f".repeat(32)}`, { body: "x", auth: { bearer: jwt } });
      expect(wrong.status).toBe(400);
      const ns = await c.call("GET", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/pf`);
      const store = new BlobStore(path.join(pf.dataDir, "blobs"), path.join(pf.dataDir, "tmp"));
      const blob = await store.read({ account: ACCOUNT, kind: "namespace", namespaceId: ns.body.result.namespace_id }, css.hash);
      // the per-file route keeps the full header, charset included
      expect(blob?.contentType).toBe("text/css; charset=utf-8");
      expect(blob?.size).toBe(6);
      blob?.stream.destroy();
    } finally {
      await pf.close();
    }
  });
});
