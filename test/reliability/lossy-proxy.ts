/**
 * A loopback HTTP proxy in front of the emulator that can lose answers: a matching request is forwarded whole,
 * the emulator handles it (and commits whatever it commits), its answer is read, and then the client's socket
 * is destroyed instead of relaying it. This is the one network fault the emulator's own faults cannot play,
 * since those all act before the handler: "the server did it, the client never heard".
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface LossyProxy {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** Lose the answers of the next `count` requests that `match` accepts. */
  loseAnswers(match: (method: string, url: string) => boolean, count: number): void;
  /** Answers lost so far, as "METHOD url -> status". */
  lost: string[];
  close(): Promise<void>;
}

export async function startLossyProxy(upstreamOrigin: string): Promise<LossyProxy> {
  const upstream = new URL(upstreamOrigin);
  const agent = new http.Agent({ keepAlive: true });
  const lost: string[] = [];
  let rule: { match: (method: string, url: string) => boolean; count: number } | undefined;

  const server = http.createServer((req, res) => {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const lose = rule !== undefined && rule.count > 0 && rule.match(method, url);
    if (lose) rule!.count--;
    const headers = { ...req.headers, host: upstream.host };
    delete headers.connection;
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method, path: url, headers, agent }, (answer) => {
      if (lose) {
        answer.resume();
        answer.on("end", () => {
          lost.push(`${method} ${url} -> ${answer.statusCode}`);
          req.socket.destroy();
        });
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on("error", () => req.socket.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    loseAnswers: (match, count) => {
      rule = { match, count };
    },
    lost,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}
