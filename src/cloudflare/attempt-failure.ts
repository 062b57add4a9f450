/**
 * An attempt that got no answer, described: which failure a thrown transport error is (timeout, closed client,
 * network error) and whether it is worth another try. Pure; the answers that did arrive are envelope.ts's.
 */
import { formatSeconds, type AttemptFailure } from "./envelope.js";
import { ExchangeTimeoutError } from "./exchange.js";
import { isRetryableNetworkCode } from "./retry-policy.js";
import { describeSetting } from "./transport-settings.js";

/** undici's own codes read poorly in a progress line; OS codes (ECONNRESET…) are already familiar. */
const NETWORK_CODE_WORDS: Record<string, string> = {
  UND_ERR_SOCKET: "socket closed",
  UND_ERR_CONNECT_TIMEOUT: "connect timeout",
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "truncated response",
};

/** The failure of an attempt that threw `error` instead of answering; `baseUrl` is named when the host is unknown. */
export function failureOfThrown(error: unknown, baseUrl: string): AttemptFailure {
  if (error instanceof ExchangeTimeoutError) return timeoutFailure(error);
  const { code, reason, text } = describeNetworkError(error);
  if (code === "UND_ERR_DESTROYED" || code === "UND_ERR_CLOSED") {
    return { kind: "network", codes: [], apiMessages: [], detail: "the client was closed", reason: "client closed", retryable: false, cause: error };
  }
  const hint = code === "ENOTFOUND" ? ` (is the host in ${baseUrl} right? check CLOUDFLARE_API_BASE_URL)` : "";
  return {
    kind: "network",
    codes: [],
    apiMessages: [],
    detail: `network error ${code ?? "(no code)"}: ${text}${hint}`,
    reason,
    retryable: isRetryableNetworkCode(code),
    cause: error,
  };
}

/** Why the request failed at the transport level: the code for retry decisions, a short reason for progress lines. */
function describeNetworkError(error: unknown): { code: string | undefined; reason: string; text: string } {
  const err = error as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code = typeof err?.code === "string" ? err.code : typeof err?.cause?.code === "string" ? err.cause.code : undefined;
  const text = typeof err?.message === "string" ? err.message : String(error);
  const words = code !== undefined ? NETWORK_CODE_WORDS[code] : undefined;
  return { code, reason: words !== undefined ? `${words} (${code})` : (code ?? text), text };
}

function timeoutFailure(error: ExchangeTimeoutError): AttemptFailure {
  const limit = formatSeconds(error.limitMs);
  const where =
    error.phase === "upload"
      ? `while sending the request body (${error.bytesSent} bytes sent)`
      : error.phase === "waiting"
        ? `waiting for the answer after sending ${error.bytesSent} bytes`
        : error.phase === "download"
          ? `while receiving the answer (${error.bytesReceived} bytes received)`
          : "before the request got a connection";
  return error.kind === "idle"
    ? {
        kind: "timeout",
        codes: [],
        apiMessages: [],
        detail: `no bytes sent or received for ${limit} ${where}; the idle timeout is ${describeSetting("idleTimeout")}`,
        reason: `timeout after ${limit}`,
        retryable: true,
      }
    : {
        kind: "timeout",
        codes: [],
        apiMessages: [],
        detail: `not complete within ${limit} (${where}); the cap on a whole request is ${describeSetting("requestTimeout")}`,
        reason: `timeout after ${limit} (request cap)`,
        retryable: true,
      };
}
