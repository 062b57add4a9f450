/** A real HTTP server on 127.0.0.1 that records every request, for client tests. */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** `n` is the 1-based number of this request on the server: attempts are counted here, not by the client. */
export type Handler = (req: RecordedRequest, res: ServerResponse, n: number) => void | Promise<void>;

export interface LoopbackServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  /** origin + "/client/v4", the shape of a Cloudflare base URL. */
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<LoopbackServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res, requests.length)).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    baseUrl: `${origin}/client/v4`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Handlers that never answer leave sockets open; drop them so close() returns.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function envelopeOk(result: unknown): unknown {
  return { success: true, errors: [], messages: [], result };
}

export function envelopeFail(errors: { code: number; message: string }[]): unknown {
  return { success: false, errors, messages: [], result: null };
}
