/**
 * The transport on a slow link, through a real throttling TCP proxy on loopback: uploads that take many idle
 * timeouts succeed while bytes flow, a link that stops carrying bytes times out, and a request that queues for
 * a socket is not timed out meanwhile. Also pins down why undici's own headersTimeout is not used.
 */
import { Agent, FormData } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { CloudflareApiError, CloudflareClient } from "../../src/cloudflare/index.js";
import { exchange, ExchangeTimeoutError } from "../../src/cloudflare/exchange.js";
import { startThrottledLink, type ThrottledLink } from "../fixtures/throttled-link.mjs";
import { envelopeOk, sendJson, startServer, type LoopbackServer } from "./loopback-server.js";

const MiB = 1024 * 1024;
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function upstreamAndLink(bytesPerSecond: number): Promise<{ server: LoopbackServer; link: ThrottledLink }> {
  const server = await startServer((req, res) => sendJson(res, 200, envelopeOk({ received: req.body.length })));
  const link = await startThrottledLink(server.origin, bytesPerSecond);
  open.push(server, link);
  return { server, link };
}

function agent(connections = 4): Agent {
  const a = new Agent({ connections });
  open.push(a);
  return a;
}

function formOf(bytes: number): FormData {
  const form = new FormData();
  form.append("bucket", new File([Buffer.alloc(bytes, 0x61)], "bucket.bin", { type: "application/octet-stream" }));
  return form;
}

describe("idle timeout on a slow link", () => {
  it("an 8 MiB body at 1 MiB/s succeeds with a 2.5 s idle timeout; a 4 s cap on the whole request fails it", async () => {
    const { server, link } = await upstreamAndLink(MiB);
    const started = performance.now();
    const answer = await exchange(agent(), { origin: link.origin, path: "/upload", method: "POST", headers: {}, body: formOf(8 * MiB), idleTimeoutMs: 2500 });
    const tookMs = performance.now() - started;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).result.received).toBe(server.requests[0]!.body.length);
    expect(server.requests[0]!.body.length).toBeGreaterThan(8 * MiB);
    // It really was slow: several idle timeouts long (the kernel's buffered tail included, see idle-watchdog.ts).
    expect(tookMs).toBeGreaterThan(3 * 2500);

    const capped = exchange(agent(), {
      origin: link.origin,
      path: "/upload",
      method: "POST",
      headers: {},
      body: formOf(8 * MiB),
      idleTimeoutMs: 2500,
      requestTimeoutMs: 4000,
    });
    // After 4 s the last bytes may already sit in socket buffers ("waiting"); either way the cap ended it.
    await expect(capped).rejects.toMatchObject({ name: "ExchangeTimeoutError", kind: "overall", limitMs: 4000 });
  });

  it("a link that stops carrying bytes fails after the idle timeout, in the upload phase", async () => {
    const { link } = await upstreamAndLink(2 * MiB);
    link.stall();
    const error = await exchange(agent(), { origin: link.origin, path: "/upload", method: "POST", headers: {}, body: formOf(16 * MiB), idleTimeoutMs: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeTimeoutError);
    expect(error).toMatchObject({ kind: "idle", phase: "upload", limitMs: 1000 });
    // Some bytes went into socket buffers before the silence; far from all of them.
    expect((error as ExchangeTimeoutError).bytesSent).toBeLessThan(16 * MiB);
  });

  it("undici's own headersTimeout fails an upload whose bytes are still flowing (why exchange.ts switches it off)", async () => {
    const { link } = await upstreamAndLink(MiB);
    const a = agent();
    const body = Buffer.alloc(8 * MiB, 0x62);
    const error = await a.request({ origin: link.origin, path: "/upload", method: "POST", body, headersTimeout: 1000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "UND_ERR_HEADERS_TIMEOUT" });
    // Bytes were moving all along: the link had carried well over a second's worth, but not the whole body.
    expect(link.bytesUp).toBeGreaterThan(MiB);
    expect(link.bytesUp).toBeLessThan(8 * MiB);
  });

  it("a request queued for a socket is not timed out while it waits: the idle clock starts on the socket", async () => {
    const { server, link } = await upstreamAndLink(MiB);
    const client = new CloudflareClient({ baseUrl: `${link.origin}/client/v4`, credentials: { apiToken: "queue-test-token" }, connections: 1, idleTimeoutMs: 2000, env: {}, retry: { maxAttempts: 1 } });
    open.push(client);
    const schema = z.looseObject({ received: z.number() });
    // The upload holds the only socket for ~5 s (the throttle plus the buffered tail); the GET queues behind it.
    const upload = client.request({ method: "POST", path: "/upload", form: () => formOf(5 * MiB), schema });
    const read = client.request({ method: "GET", path: "/read", schema });
    const [up, got] = await Promise.all([upload, read]);
    expect(up.result.received).toBeGreaterThan(5 * MiB);
    expect(got.result.received).toBe(0);
    expect(server.requests.map((r) => r.method)).toEqual(["POST", "GET"]);
  });

  it("through the client, a dead link is a retryable timeout naming the setting and the bytes sent", async () => {
    const { link } = await upstreamAndLink(2 * MiB);
    link.stall();
    const client = new CloudflareClient({ baseUrl: `${link.origin}/client/v4`, credentials: { apiToken: "dead-link-token" }, idleTimeoutMs: 800, env: {}, retry: { maxAttempts: 1 } });
    open.push(client);
    const error = await client.request({ method: "POST", path: "/upload", form: () => formOf(16 * MiB), schema: z.unknown() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudflareApiError);
    expect(error).toMatchObject({ kind: "timeout", retryable: true });
    expect((error as Error).message).toMatch(/no bytes sent or received for 0\.8s while sending the request body \(\d+ bytes sent\); the idle timeout is `idleTimeout` \(WFP_ASSETS_IDLE_TIMEOUT\)/);
  });
});
