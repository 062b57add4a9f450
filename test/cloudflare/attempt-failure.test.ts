/** An attempt that threw instead of answering, described (src/cloudflare/attempt-failure.ts). */
import { describe, expect, it } from "vitest";
import { failureOfThrown } from "../../src/cloudflare/attempt-failure.js";
import { ExchangeTimeoutError } from "../../src/cloudflare/exchange.js";

const BASE = "https://api.example.test/client/v4";
const coded = (code: string, message = `failed: ${code}`) => Object.assign(new Error(message), { code });

describe("failureOfThrown", () => {
  it.each([
    ["a reset connection: retried, named by its code", coded("ECONNRESET"), { kind: "network", reason: "ECONNRESET", retryable: true }],
    ["undici's code in words", coded("UND_ERR_SOCKET"), { kind: "network", reason: "socket closed (UND_ERR_SOCKET)", retryable: true }],
    ["a code on the cause", Object.assign(new Error("fetch failed"), { cause: { code: "ECONNREFUSED" } }), { reason: "ECONNREFUSED", retryable: true }],
    ["an unknown host: not retried, pointing at the base URL", coded("ENOTFOUND"), { retryable: false, detail: expect.stringContaining(`(is the host in ${BASE} right? check CLOUDFLARE_API_BASE_URL)`) }],
    ["the client was closed", coded("UND_ERR_CLOSED"), { kind: "network", detail: "the client was closed", reason: "client closed", retryable: false }],
    ["no code at all", new Error("odd"), { detail: "network error (no code): odd", reason: "odd", retryable: false }],
  ])("%s", (_name, error, expected) => {
    expect(failureOfThrown(error, BASE)).toMatchObject(expected);
  });

  it("says where an idle or capped attempt stopped, and which setting bounds it", () => {
    expect(failureOfThrown(new ExchangeTimeoutError("idle", 60_000, "upload", 1024, 0), BASE)).toMatchObject({
      kind: "timeout",
      retryable: true,
      reason: "timeout after 60s",
      detail: "no bytes sent or received for 60s while sending the request body (1024 bytes sent); the idle timeout is `idleTimeout` (WFP_ASSETS_IDLE_TIMEOUT)",
    });
    expect(failureOfThrown(new ExchangeTimeoutError("overall", 5000, "download", 10, 20), BASE)).toMatchObject({
      reason: "timeout after 5s (request cap)",
      detail: "not complete within 5s (while receiving the answer (20 bytes received)); the cap on a whole request is `requestTimeout` (WFP_ASSETS_REQUEST_TIMEOUT)",
    });
  });
});
