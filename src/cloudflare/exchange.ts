/**
 * One HTTP request/answer over an undici dispatcher, with the idle timeout of idle-watchdog.ts instead of undici's
 * own timers, and an optional cap on the whole exchange.
 *
 * Why not undici's headersTimeout/bodyTimeout (measured with undici 7.30.2 through a 1 MiB/s loopback throttle):
 * headersTimeout starts when the request is written to the socket and is refreshed only when a body write fills
 * the socket buffer (and once more when the body ends); it fires if at that moment the socket still waits to drain.
 * A JSON body is one write, so an 8 MiB body failed after 1 s with headersTimeout 1 s while bytes were flowing, and
 * after the last write the kernel's buffered tail counts as silence. bodyTimeout only covers the answer. Both are
 * therefore off here, and the watchdog — armed when the request gets its socket, not while it queues for one —
 * counts every body chunk undici pulls and every answer chunk.
 */
import type { Dispatcher, FormData } from "undici";
import { IdleWatchdog, type TransferPhase } from "./idle-watchdog.js";
import { progressBody } from "./progress-body.js";

export interface ExchangeRequest {
  origin: string;
  path: string;
  method: Dispatcher.HttpMethod;
  headers: Record<string, string>;
  body: string | FormData | undefined;
  signal?: AbortSignal;
  idleTimeoutMs: number;
  /** Cap on the whole exchange, from the moment it is handed to undici; undefined = none. */
  requestTimeoutMs?: number;
}

export interface Exchanged {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

/** No bytes moved for the idle timeout, or the overall cap passed. */
export class ExchangeTimeoutError extends Error {
  constructor(
    readonly kind: "idle" | "overall",
    readonly limitMs: number,
    readonly phase: TransferPhase | "queued",
    readonly bytesSent: number,
    readonly bytesReceived: number,
  ) {
    super(kind === "idle" ? `no bytes moved for ${limitMs} ms (${phase})` : `not complete within ${limitMs} ms (${phase})`);
    this.name = "ExchangeTimeoutError";
  }
}

export function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

export function exchange(dispatcher: Dispatcher, req: ExchangeRequest): Promise<Exchanged> {
  return new Promise<Exchanged>((resolve, reject) => {
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    let pendingAbort: Error | undefined;
    let phase: TransferPhase | "queued" = "queued";
    let bytesSent = 0;
    let bytesReceived = 0;
    let status = 0;
    let headers: Record<string, string> = {};
    const chunks: Buffer[] = [];

    const finish = (error: unknown, value?: Exchanged): void => {
      if (settled) return;
      settled = true;
      watchdog.stop();
      if (overall !== undefined) clearTimeout(overall);
      req.signal?.removeEventListener("abort", onAbort);
      if (error !== undefined) reject(error);
      else resolve(value!);
    };
    /** Stops the exchange with `error`: at once if it has a socket, else as soon as it gets one. */
    const abort = (error: Error): void => {
      if (settled) return;
      if (controller) controller.abort(error);
      else pendingAbort = error;
      finish(error);
    };

    const watchdog = new IdleWatchdog(req.idleTimeoutMs, (detail) => {
      abort(new ExchangeTimeoutError("idle", req.idleTimeoutMs, detail.phase, detail.bytesSent, detail.bytesReceived));
    });
    const overall =
      req.requestTimeoutMs === undefined
        ? undefined
        : setTimeout(() => abort(new ExchangeTimeoutError("overall", req.requestTimeoutMs!, phase, bytesSent, bytesReceived)), req.requestTimeoutMs);
    const onAbort = (): void => abort(req.signal?.reason instanceof Error ? req.signal.reason : new Error(String(req.signal?.reason)));
    if (req.signal?.aborted) return onAbort();
    req.signal?.addEventListener("abort", onAbort, { once: true });

    const { body, headers: bodyHeaders } = progressBody(req.body, {
      onBytes: (bytes) => {
        bytesSent += bytes;
        watchdog.sent(bytes);
      },
      onEnd: () => {
        phase = "waiting";
        watchdog.bodyDone();
      },
    });

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(ctrl) {
        controller = ctrl;
        if (pendingAbort) return ctrl.abort(pendingAbort);
        phase = body === undefined ? "waiting" : "upload";
        watchdog.start(phase);
      },
      onResponseStart(_ctrl, statusCode, responseHeaders) {
        phase = "download";
        watchdog.received(0);
        status = statusCode;
        headers = flattenHeaders(responseHeaders as Record<string, string | string[] | undefined>);
      },
      onResponseData(_ctrl, chunk) {
        bytesReceived += chunk.length;
        watchdog.received(chunk.length);
        chunks.push(chunk);
      },
      onResponseEnd() {
        finish(undefined, { status, headers, body: Buffer.concat(chunks).toString("utf8") });
      },
      onResponseError(_ctrl, error) {
        finish(error);
      },
    };

    try {
      dispatcher.dispatch(
        {
          origin: req.origin,
          path: req.path,
          method: req.method,
          headers: { ...req.headers, ...bodyHeaders },
          body: body as Dispatcher.DispatchOptions["body"],
          // The watchdog replaces both (see the module comment); 0 disables them.
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        handler,
      );
    } catch (error) {
      finish(error);
    }
  });
}
