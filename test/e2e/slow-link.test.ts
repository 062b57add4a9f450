import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSlowLink, type SlowLink } from "./slow-link.js";

let upstream: http.Server;
const received: string[] = [];
let link: SlowLink;

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      received.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(201, { "content-type": "text/plain" }).end(`got ${body.length}`);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  link = await startSlowLink(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, (method, url) => method === "POST" && url.includes("/slow"));
});

afterAll(async () => {
  await link.close();
  await new Promise((resolve) => upstream.close(resolve));
});

function post(path: string, body: string, signal?: AbortSignal): Promise<{ status: number; text: string }> {
  return fetch(link.url.replace("/client/v4", "") + path, { method: "POST", body, signal }).then(async (res) => ({ status: res.status, text: await res.text() }));
}

describe("slow link", () => {
  it("forwards whole requests and relays the answer, holding only matching ones", async () => {
    // A non-matching request is not held: with a one-minute hold it still answers long before the race's 10 s.
    link.setDelay(60_000);
    expect(await Promise.race([post("/fast", "abc"), sleep(10_000).then(() => "held")])).toEqual({ status: 201, text: "got 3" });
    link.setDelay(300);
    expect(await post("/slow", "abcd")).toEqual({ status: 201, text: "got 4" });
    expect(received).toEqual(["POST /fast abc", "POST /slow abcd"]);
  });

  it("drops a held request whose client went away: the server never sees it", async () => {
    link.setDelay(300);
    const droppedBefore = link.dropped;
    const controller = new AbortController();
    const pending = post("/slow", "lost", controller.signal).catch(() => "aborted");
    await sleep(100);
    controller.abort();
    expect(await pending).toBe("aborted");
    await sleep(400);
    expect(link.dropped).toBe(droppedBefore + 1);
    expect(link.pending).toBe(0);
    expect(received).not.toContain("POST /slow lost");
  });
});
