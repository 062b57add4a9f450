/**
 * HTTP as an attacker writes it: bytes on a socket, the request target sent as is (no client normalizes
 * `/%74enants/../x` or `//tenants` away), headers and bodies trickled or lying about their length.
 */
import net from "node:net";

export interface RawAnswer {
  /** 0 when the server closed the connection without an answer. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Everything received. */
  raw: string;
  /** Milliseconds from the first byte sent until the server closed the connection (or the read limit). */
  closedAfterMs: number;
}

function parse(raw: string, closedAfterMs: number): RawAnswer {
  const match = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(raw);
  if (!match) return { status: 0, headers: {}, body: raw, raw, closedAfterMs };
  const headers: Record<string, string> = {};
  for (const line of match[2]!.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = match[3]!;
  if (headers["transfer-encoding"] === "chunked") {
    let decoded = "";
    let rest = body;
    for (;;) {
      const end = rest.indexOf("\r\n");
      if (end < 0) break;
      const size = Number.parseInt(rest.slice(0, end), 16);
      if (!Number.isFinite(size) || size === 0) break;
      decoded += rest.slice(end + 2, end + 2 + size);
      rest = rest.slice(end + 2 + size + 2);
    }
    body = decoded;
  } else if (headers["content-length"] !== undefined) {
    body = body.slice(0, Number(headers["content-length"]));
  }
  return { status: Number(match[1]), headers, body, raw, closedAfterMs };
}

export interface RawRequest {
  port: number;
  /** Written as is: the request line, headers, and the blank line are the caller's. */
  head: string;
  /** Written after the head, in this order; a number is a pause in milliseconds. */
  body?: Array<Buffer | string | number>;
  /** Give up reading after this long (the connection is then closed by us). */
  timeoutMs?: number;
  /** Read on after a whole answer until the server closes the connection (to see that it does). */
  untilClose?: boolean;
}

/** Sends the request and reads until the server closes the connection or one whole answer has arrived. */
export function rawRequest(request: RawRequest): Promise<RawAnswer> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(request.port, "127.0.0.1");
    let raw = "";
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parse(raw, Date.now() - started));
    };
    const timer = setTimeout(finish, request.timeoutMs ?? 10_000);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      raw += chunk;
      const answer = parse(raw, 0);
      const length = answer.headers["content-length"];
      // An answer to HEAD has headers only, whatever its Content-Length says.
      const bodyDone =
        request.head.startsWith("HEAD ") ||
        (length !== undefined && Buffer.byteLength(answer.body, "latin1") >= Number(length)) ||
        (answer.headers["transfer-encoding"] === "chunked" && raw.endsWith("0\r\n\r\n"));
      const complete = answer.status !== 0 && bodyDone;
      // A 1xx is not the answer; anything else complete is, and a keep-alive server would not close on its own.
      if (complete && !request.untilClose && !(answer.status >= 100 && answer.status < 200)) finish();
    });
    socket.on("close", finish);
    socket.on("error", finish);
    socket.on("connect", async () => {
      socket.write(request.head, "latin1");
      for (const part of request.body ?? []) {
        if (done || socket.destroyed) return;
        if (typeof part === "number") await new Promise((resolve) => setTimeout(resolve, part));
        else socket.write(part);
      }
    });
  });
}

/** A request head with the usual headers; `target` is sent exactly as given. */
export function head(method: string, target: string, headers: Record<string, string> = {}): string {
  const lines = [`${method} ${target} HTTP/1.1`, "Host: 127.0.0.1", ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return `${lines.join("\r\n")}\r\n\r\n`;
}
