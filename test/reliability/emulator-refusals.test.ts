/**
 * Refusals the emulator must make that test/emulator does not already pin down (wrong token, token of another
 * account, expired JWTs, reused and other-script completion JWTs, malformed manifest hashes, oversize bodies that
 * were sent are covered there). Spoken to over plain HTTP, not through the product's client.
 */
import { readdir } from "node:fs/promises";
import net from "node:net";
import { Readable } from "node:stream";
import os from "node:os";
import path from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { ACCOUNT, type TestClient, asset, manifestOf, scriptPath, start, tempDir } from "../emulator/helpers.js";

let emu: RunningEmulator;
let client: TestClient;
let temp: { dir: string; cleanup(): Promise<void> };

beforeAll(async () => {
  temp = await tempDir();
  ({ emu, client } = await start({ dataDir: path.join(temp.dir, "data"), perFileUploads: true, maxRequestBytes: 256 * 1024 }));
  await client.createNamespace("refuse");
});
afterAll(async () => {
  await emu.close();
  await temp.cleanup();
});

const NS = { namespace: "refuse" };

async function session(script: string, files: Record<string, ReturnType<typeof asset>>, target: { namespace: string } | "account" = NS) {
  const res = await client.session(target, script, manifestOf(files));
  expect(res.status).toBe(200);
  return res.body.result!;
}

describe("JWTs used outside their session", () => {
  it("an upload JWT of another session cannot upload this session's files, and stores nothing", async () => {
    const mine = asset("session A's file"), theirs = asset("session B's file");
    const a = await session("script-a", { "/a.txt": mine });
    const b = await session("script-b", { "/b.txt": theirs });
    const crossed = await client.upload(a.jwt, [theirs]);
    expect(crossed.status).toBe(400);
    expect(crossed.body.errors[0].code).toBe(10312);
    expect(crossed.body.errors[0].message).toContain(theirs.hash);
    // B still needs its file: the refused request stored nothing.
    expect((await session("script-b", { "/b.txt": theirs })).buckets).toEqual([[theirs.hash]]);
    expect((await client.upload(b.jwt, [theirs])).status).toBe(201);
  });

  it("a completion JWT for the same script name in another namespace is refused", async () => {
    await client.createNamespace("refuse-other");
    const file = asset("namespaced file");
    const s = await session("same-name", { "/f.txt": file }, { namespace: "refuse-other" });
    const done = await client.upload(s.jwt, [file]);
    const completion = done.body.result.jwt!;
    const res = await client.putScript(NS, "same-name", { assets: { jwt: completion } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].code).toBe(10313);
    expect((await client.putScript({ namespace: "refuse-other" }, "same-name", { assets: { jwt: completion } })).status).toBe(200);
  });

  it("a completion JWT issued before its namespace was deleted and re-created is refused", async () => {
    await client.createNamespace("phoenix");
    const file = asset("phoenix file");
    const s = await session("bird", { "/f.txt": file }, { namespace: "phoenix" });
    const completion = (await client.upload(s.jwt, [file])).body.result.jwt!;
    await client.call("DELETE", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/phoenix`);
    await client.createNamespace("phoenix");
    const res = await client.putScript({ namespace: "phoenix" }, "bird", { assets: { jwt: completion } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].code).toBe(10313);
  });
});

describe("hashes that are not 32 hex characters", () => {
  it.each(["abc", "g".repeat(32), "a".repeat(33), "..%2F..%2F..%2F..%2Fescaped0000000000"])("per-file route refuses %s", async (hash) => {
    const file = asset("per-file hash check");
    const s = await session("per-file-hash", { "/f.txt": file });
    const res = await client.call("POST", `/accounts/${ACCOUNT}/workers/assets/upload/${hash}`, { body: file.content, auth: { bearer: s.jwt } });
    expect([400, 404]).toContain(res.status);
    expect(res.body.success).toBe(false);
  });
});

describe("oversize bodies are refused without being read", () => {
  /**
   * Declares a 1 GiB body, sends none of it, and reads the answer: it can only arrive if the emulator refused
   * from the Content-Length alone (reading or buffering the body would wait forever).
   */
  function declareHugeBody(urlPath: string, jwt: string, contentType: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(emu.port, "127.0.0.1");
      let answer = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => {
        answer += chunk;
        if (answer.includes("\r\n\r\n") && answer.includes("}")) {
          socket.destroy();
          resolve(answer);
        }
      });
      socket.on("error", reject);
      socket.on("close", () => resolve(answer));
      socket.write(
        `POST /client/v4${urlPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${jwt}\r\n` +
          `Content-Type: ${contentType}\r\nContent-Length: ${1024 ** 3}\r\n\r\n`,
      );
    });
  }

  it("bulk route: 413 from the declared length alone", async () => {
    const file = asset("bulk oversize");
    const s = await session("oversize-bulk", { "/f.txt": file });
    const answer = await declareHugeBody(`/accounts/${ACCOUNT}/workers/assets/upload?base64=true`, s.jwt, "multipart/form-data; boundary=x");
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toContain('"code":10314');
  });

  it("per-file route: 413 from the declared length alone", async () => {
    const file = asset("per-file oversize");
    const s = await session("oversize-file", { "/f.txt": file });
    const answer = await declareHugeBody(`/accounts/${ACCOUNT}/workers/assets/upload/${file.hash}`, s.jwt, "text/plain");
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
  });

  it("per-file route: a streamed body longer than the manifest entry is cut off with 400 and nothing stored", async () => {
    const file = asset("ten bytes!");
    const s = await session("overlong-file", { "/f.txt": file });
    async function* body() {
      yield file.content;
      for (let i = 0; i < 64; i++) yield Buffer.alloc(16 * 1024, "x");
    }
    const res = await request(`${emu.url}/accounts/${ACCOUNT}/workers/assets/upload/${file.hash}`, {
      method: "POST",
      headers: { authorization: `Bearer ${s.jwt}`, "content-type": "text/plain" },
      body: Readable.from(body()),
    });
    expect(res.statusCode).toBe(400);
    expect(((await res.body.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toMatch(/holds more than the 10 bytes/);
    expect((await session("overlong-file", { "/f.txt": file })).buckets).toEqual([[file.hash]]);
  });
});

describe("names that would escape the data directory", () => {
  const escapes = ["..", ".", "..%2Fescaped", "..%2F..%2Fescaped", "%2e%2e", "a%2Fb", "..%5C..%5Cescaped"];

  it("are refused in every position: account, namespace, script, manifest hash, part name, per-file hash", async () => {
    const file = asset("escape check");
    const s = await session("escape", { "/f.txt": file });
    const statuses: Array<[string, number]> = [];
    const record = async (label: string, res: Promise<{ status: number }>) => statuses.push([label, (await res).status]);
    for (const bad of escapes) {
      await record(`create namespace ${bad}`, client.call("POST", `/accounts/${ACCOUNT}/workers/dispatch/namespaces`, { json: { name: decodeURIComponent(bad) } }));
      await record(`namespace ${bad}`, client.call("POST", `/accounts/${ACCOUNT}/workers/dispatch/namespaces/${bad}/scripts/s/assets-upload-session`, { json: { manifest: {} } }));
      await record(`script ${bad}`, client.call("POST", `${scriptPath(NS, bad)}/assets-upload-session`, { json: { manifest: {} } }));
      await record(`put script ${bad}`, client.putScript(NS, bad, { main_module: "index.js" }, [{ name: "index.js", content: "export default {}" }]));
      await record(`account ${bad}`, client.call("GET", `/accounts/${bad}/workers/dispatch/namespaces`));
      const hash = decodeURIComponent(bad).padEnd(32, "0").slice(0, 32);
      await record(`manifest hash ${bad}`, client.session(NS, "escape", { "/f.txt": { hash, size: 1 } }));
      await record(`part name ${bad}`, client.upload(s.jwt, [{ ...file, hash }]));
      await record(`per-file hash ${bad}`, client.call("POST", `/accounts/${ACCOUNT}/workers/assets/upload/${bad.padEnd(32, "0")}`, { body: file.content, auth: { bearer: s.jwt } }));
    }
    for (const [label, status] of statuses) expect([label, status >= 400 && status < 500]).toEqual([label, true]);
    // Nothing landed beside the data directory or in the system temp directory.
    expect(await readdir(temp.dir)).toEqual(["data"]);
    expect((await readdir(os.tmpdir())).filter((name) => name.startsWith("escaped"))).toEqual([]);
  });
});
