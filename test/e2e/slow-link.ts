/**
 * A loopback proxy in front of the emulator that makes matching requests slow, the way a slow link makes
 * uploads slow: each one is read whole, held for `delayMs`, then forwarded whole. A request whose client is gone
 * when its hold ends is dropped — it never reached the server, as on a real link.
 *
 * Why not the emulator's `latency` fault: that sleeps inside the emulator with the client's request half-read,
 * and a client killed during the sleep leaves the upload handler waiting for a body that never comes (see the
 * report of test/e2e/crash-resume). Holding requests out here, the emulator only ever sees whole requests.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface SlowLink {
  /** http://127.0.0.1:<port>/client/v4 — the API base URL to give the client. */
  url: string;
  /** Hold matching requests this long (0 = pass straight through). */
  setDelay(ms: number): void;
  /** Requests dropped because their client disconnected before they were forwarded. */
  readonly dropped: number;
  /** Requests being held or waiting for the server's answer; 0 = the server has settled everything sent to it. */
  readonly pending: number;
  close(): Promise<void>;
}

export async function startSlowLink(upstreamOrigin: string, match: (method: string, url: string) => boolean): Promise<SlowLink> {
  const upstream = new URL(upstreamOrigin);
  const agent = new http.Agent({ keepAlive: true });
  let delayMs = 0;
  let dropped = 0;
  let pending = 0;

  const server = http.createServer((req, res) => {
    pending++;
    void (async () => {
      const method = req.method ?? "GET";
      const url = req.url ?? "/";
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of req) chunks.push(chunk as Buffer);
      } catch {
        dropped++; // the client vanished mid-body
        return;
      }
      if (delayMs > 0 && match(method, url)) await sleep(delayMs);
      if (req.socket.destroyed) {
        dropped++;
        return;
      }
      const body = Buffer.concat(chunks);
      const headers: http.OutgoingHttpHeaders = { ...req.headers, host: upstream.host, "content-length": String(body.length) };
      delete headers.connection;
      delete headers["transfer-encoding"];
      await new Promise<void>((resolve) => {
        const forward = http.request({ host: upstream.hostname, port: upstream.port, method, path: url, headers, agent }, (answer) => {
          answer.on("end", resolve).on("error", resolve);
          if (res.destroyed) return void answer.resume();
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        forward.on("error", () => {
          res.destroy();
          resolve();
        });
        forward.end(body);
      });
    })().finally(() => pending--);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/client/v4`,
    setDelay: (ms) => {
      delayMs = ms;
    },
    get dropped() {
      return dropped;
    },
    get pending() {
      return pending;
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}
