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
import type { Dispatcher } from "undici";
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
  return new Promise<Exchanged>((resolve, reject) => new ExchangeRun(req, resolve, reject).start(dispatcher));
}

/** One exchange under way: what it has sent and received, and its timers. */
class ExchangeRun {
  private settled = false;
  private controller: Dispatcher.DispatchController | undefined;
  /** An abort that came before the exchange got a socket, applied when it gets one. */
  private pendingAbort: Error | undefined;
  private phase: TransferPhase | "queued" = "queued";
  private bytesSent = 0;
  private bytesReceived = 0;
  private status = 0;
  private headers: Record<string, string> = {};
  private readonly chunks: Buffer[] = [];
  private readonly watchdog: IdleWatchdog;
  private overall: ReturnType<typeof setTimeout> | undefined;
  private readonly onAbort = (): void => {
    const reason: unknown = this.req.signal?.reason;
    this.abort(reason instanceof Error ? reason : new Error(String(reason)));
  };

  constructor(
    private readonly req: ExchangeRequest,
    private readonly resolve: (value: Exchanged) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.watchdog = new IdleWatchdog(req.idleTimeoutMs, (detail) => {
      this.abort(new ExchangeTimeoutError("idle", req.idleTimeoutMs, detail.phase, detail.bytesSent, detail.bytesReceived));
    });
  }

  start(dispatcher: Dispatcher): void {
    const req = this.req;
    if (req.signal?.aborted) return this.onAbort();
    req.signal?.addEventListener("abort", this.onAbort, { once: true });
    const cap = req.requestTimeoutMs;
    if (cap !== undefined) this.overall = setTimeout(() => this.abort(new ExchangeTimeoutError("overall", cap, this.phase, this.bytesSent, this.bytesReceived)), cap);
    const { body, headers: bodyHeaders } = progressBody(req.body, {
      onBytes: (bytes) => {
        this.bytesSent += bytes;
        this.watchdog.sent(bytes);
      },
      onEnd: () => {
        this.phase = "waiting";
        this.watchdog.bodyDone();
      },
    });
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
        this.handler(body !== undefined),
      );
    } catch (error) {
      this.finish(error);
    }
  }

  private handler(hasBody: boolean): Dispatcher.DispatchHandler {
    return {
      onRequestStart: (ctrl) => {
        this.controller = ctrl;
        if (this.pendingAbort) return ctrl.abort(this.pendingAbort);
        this.phase = hasBody ? "upload" : "waiting";
        this.watchdog.start(this.phase);
      },
      onResponseStart: (_ctrl, statusCode, responseHeaders) => {
        this.phase = "download";
        this.watchdog.received(0);
        this.status = statusCode;
        this.headers = flattenHeaders(responseHeaders as Record<string, string | string[] | undefined>);
      },
      onResponseData: (_ctrl, chunk) => {
        this.bytesReceived += chunk.length;
        this.watchdog.received(chunk.length);
        this.chunks.push(chunk);
      },
      onResponseEnd: () => this.finish(undefined, { status: this.status, headers: this.headers, body: Buffer.concat(this.chunks).toString("utf8") }),
      onResponseError: (_ctrl, error) => this.finish(error),
    };
  }

  private finish(error: unknown, value?: Exchanged): void {
    if (this.settled) return;
    this.settled = true;
    this.watchdog.stop();
    if (this.overall !== undefined) clearTimeout(this.overall);
    this.req.signal?.removeEventListener("abort", this.onAbort);
    if (error !== undefined) this.reject(error);
    else this.resolve(value!);
  }

  /** Stops the exchange with `error`: at once if it has a socket, else as soon as it gets one. */
  private abort(error: Error): void {
    if (this.settled) return;
    if (this.controller) this.controller.abort(error);
    else this.pendingAbort = error;
    this.finish(error);
  }
}
