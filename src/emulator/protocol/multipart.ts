import type { IncomingMessage } from "node:http";
import { Transform, type TransformCallback } from "node:stream";
import busboy from "busboy";
import { ApiError, ErrorCode, badRequest, requestTooLarge } from "./envelope.js";
import { PartHeaderTap, boundaryOf } from "./part-headers.js";

/**
 * Streams a multipart/form-data request through busboy, handing each part to `onPart` as it arrives, so no
 * request is ever held in memory whole. The total size is counted as bytes arrive (a body without or beyond its
 * Content-Length is still cut off at `maxBytes`), and each part is capped at `maxPartBytes`.
 *
 * Busboy reports a part's media type as `type/subtype` only (parameters such as `charset` are dropped) and
 * reports `text/plain` for a part that has no Content-Type header, so each part also carries its Content-Type
 * header exactly as sent (`contentType`), read by a tap in front of busboy (part-headers.ts).
 */

export interface MultipartPart {
  name: string;
  filename: string | undefined;
  mimeType: string;
  /** The part's Content-Type header as sent (with parameters); undefined when the part had none. */
  contentType: string | undefined;
  /** true for parts busboy treats as files (they have a filename, or are application/octet-stream). */
  isFile: boolean;
  body: AsyncIterable<Buffer | string>;
}

export interface MultipartLimits {
  maxBytes: number;
  maxPartBytes: number;
  maxParts?: number;
}

export async function consumeMultipart(req: IncomingMessage, limits: MultipartLimits, onPart: (part: MultipartPart) => Promise<void>): Promise<void> {
  // A client can hang up while the request waits (a latency fault) before anyone listens for "close": the
  // event is gone by now, and waiting for the body would never end (and would hold up close()).
  if (req.destroyed && !req.complete) throw badRequest("The client closed the connection before the body was complete.");
  const type = req.headers["content-type"] ?? "";
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw badRequest(`Expected a multipart/form-data body, got Content-Type "${type || "(none)"}".`);
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      // preservePath: module names such as "lib/util.js" are filenames with slashes (main_module names them).
      preservePath: true,
      limits: { fileSize: limits.maxPartBytes, fieldSize: limits.maxPartBytes, parts: limits.maxParts ?? Infinity },
    });
  } catch (err) {
    throw badRequest(`Malformed multipart request: ${(err as Error).message}`);
  }

  return new Promise<void>((resolve, reject) => {
    // Several errors can race when a request goes wrong (a destroyed parser also errors the part being read), so
    // the most telling one wins: a size limit, then malformed input, then a part's own 4xx, then anything else.
    let firstError: unknown;
    let firstRank = -1;
    const fail = (err: unknown, rank = err instanceof ApiError ? (err.status === 413 ? 3 : 1) : 0) => {
      if (rank > firstRank) [firstError, firstRank] = [err, rank];
    };
    const pending: Promise<void>[] = [];
    const partTooLarge = (name: string) =>
      new ApiError(413, ErrorCode.requestTooLarge, `Part "${name}" exceeds the emulator's per-part limit of ${limits.maxPartBytes} bytes.`);

    const counter = new ByteCounter(limits.maxBytes);
    const tap = new PartHeaderTap(boundaryOf(type) ?? "");
    counter.on("error", (err) => {
      fail(err);
      req.unpipe(counter);
      counter.unpipe(tap);
      parser.destroy(err);
      finish();
    });

    parser.on("file", (name, stream, info) => {
      stream.on("limit", () => fail(partTooLarge(name)));
      // Errors reach the handler through iteration; once it is done, a late one (parser torn down) is moot.
      stream.on("error", () => {});
      // destroyOnReturn: false — a handler that stops reading must not destroy the stream busboy is still feeding.
      const body = stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
      const contentType = tap.takeFor(name)?.contentType;
      const handled = onPart({ name, filename: info.filename, mimeType: info.mimeType, contentType, isFile: true, body })
        .catch((err: unknown) => fail(err))
        .finally(() => stream.resume()); // a handler that stopped early must not stall the parser
      pending.push(handled);
    });
    parser.on("field", (name, value, info) => {
      const contentType = tap.takeFor(name)?.contentType;
      if (info.valueTruncated) return fail(partTooLarge(name));
      pending.push(onPart({ name, filename: undefined, mimeType: info.mimeType, contentType, isFile: false, body: once(value) }).catch((err: unknown) => fail(err)));
    });
    parser.on("partsLimit", () => fail(badRequest(`Too many parts: the emulator accepts at most ${limits.maxParts} per request.`), 2));
    parser.on("error", (err) => {
      fail(err instanceof ApiError ? err : badRequest(`Malformed multipart request: ${(err as Error).message}`), err instanceof ApiError && err.status === 413 ? 3 : 2);
      req.unpipe(counter);
      finish();
    });
    parser.on("close", finish);
    // A client that disconnects mid-body never ends the stream; without this the request would hang forever.
    req.on("close", () => {
      if (!req.complete && !finished) {
        const err = badRequest("The client closed the connection before the body was complete.");
        fail(err, 2);
        parser.destroy(err);
        finish();
      }
    });

    let finished = false;
    function finish(): void {
      if (finished) return;
      finished = true;
      Promise.allSettled(pending).then(() => (firstError === undefined ? resolve() : reject(firstError)));
    }

    req.pipe(counter).pipe(tap).pipe(parser);
  });
}

async function* once(value: string): AsyncGenerator<string> {
  yield value;
}

/** Passes bytes through and errors once more than `limit` have gone by. */
export class ByteCounter extends Transform {
  private seen = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) return callback(requestTooLarge(this.limit));
    callback(null, chunk);
  }
}

/** Collects a small part (metadata) into a string, refusing more than `maxBytes`. */
export async function readPartText(body: AsyncIterable<Buffer | string>, maxBytes: number, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    size += buf.length;
    if (size > maxBytes) throw badRequest(`Part "${name}" is larger than ${maxBytes} bytes.`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}
