import type http from "node:http";

/** Plain-text pages for what the emulator itself answers on a site URL (not found, not installed, broken). */
export function sendText(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(text, "utf8");
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers, "content-length": body.length });
  res.end(body);
}

export function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(`${JSON.stringify(value, null, 2)}\n`, "utf8");
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "content-length": body.length });
  res.end(body);
}
