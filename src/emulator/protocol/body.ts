import type { IncomingMessage } from "node:http";
import { badRequest, requestTooLarge } from "./envelope.js";

/** Refuses a request whose declared Content-Length is over `limit`, before a single byte of it is read. */
export function assertContentLength(req: IncomingMessage, limit: number): void {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw requestTooLarge(limit);
}

/** Reads and parses a JSON body of at most `limit` bytes (checked as it streams in, whatever the headers say). */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  assertContentLength(req, limit);
  const chunks: Buffer[] = [];
  let size = 0;
  // destroyOnReturn: false — stopping early must leave the socket usable for the 413 answer.
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    if (size > limit) throw requestTooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest(`The request body is not valid JSON${text.length === 0 ? " (it is empty)" : ""}.`);
  }
}
