/**
 * Streams a request body into a file, stopping at the archive size limit: the body is never held in memory,
 * and a declared Content-Length over the limit is refused before a byte is read.
 */
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { RequestRejected } from "../errors.ts";
import { formatBytes } from "../wfp.ts";

function tooLarge(maxBytes: number): RequestRejected {
  return new RequestRejected(
    "archive-too-large",
    `the archive is larger than ${formatBytes(maxBytes)} (${maxBytes} bytes), this service's upload limit; upload a smaller site.`,
  );
}

class SizeLimit extends Transform {
  received = 0;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    super();
    this.maxBytes = maxBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.maxBytes) callback(tooLarge(this.maxBytes));
    else callback(null, chunk);
  }
}

/**
 * Writes `body` to `file` (which must not exist) and returns the byte count. On any failure the file is
 * removed; a body over the limit rejects with `archive-too-large`, an empty one with `empty-body`.
 */
export async function receiveBody(
  body: AsyncIterable<Uint8Array> | undefined,
  file: string,
  maxBytes: number,
  declaredLength: number | undefined,
): Promise<number> {
  if (declaredLength !== undefined && declaredLength > maxBytes) throw tooLarge(maxBytes);
  if (body === undefined || declaredLength === 0) {
    throw new RequestRejected("empty-body", "the request has no body; send the archive itself as the body, e.g. `curl -T site.tar.gz <url>`.");
  }
  const limit = new SizeLimit(maxBytes);
  try {
    await pipeline(body, limit, createWriteStream(file, { flags: "wx", mode: 0o600 }));
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
  if (limit.received === 0) {
    await rm(file, { force: true });
    throw new RequestRejected("empty-body", "the request body is empty; send the archive itself as the body, e.g. `curl -T site.tar.gz <url>`.");
  }
  return limit.received;
}
