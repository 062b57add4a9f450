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
  const type = multipartType(req);
  const parser = createParser(req, limits);
  return new Promise<void>((resolve, reject) => {
    const run = new MultipartRun(resolve, reject);
    const counter = new ByteCounter(limits.maxBytes);
    const tap = new PartHeaderTap(boundaryOf(type) ?? "");
    counter.on("error", (err) => {
      run.fail(err);
      req.unpipe(counter);
      counter.unpipe(tap);
      parser.destroy(err);
      run.finish();
    });
    handOverParts(parser, tap, limits, onPart, run);
    parser.on("partsLimit", () => run.fail(badRequest(`Too many parts: the emulator accepts at most ${limits.maxParts} per request.`), Rank.malformed));
    parser.on("error", (err) => {
      run.fail(...parserFailure(err));
      req.unpipe(counter);
      run.finish();
    });
    parser.on("close", () => run.finish());
    // A client that disconnects mid-body never ends the stream; without this the request would hang forever.
    req.on("close", () => {
      if (!req.complete && !run.finished) {
        const err = badRequest("The client closed the connection before the body was complete.");
        run.fail(err, Rank.malformed);
        parser.destroy(err);
        run.finish();
      }
    });
    req.pipe(counter).pipe(tap).pipe(parser);
  });
}

/** The request's Content-Type, once it is known to be a multipart body that can still arrive whole. */
function multipartType(req: IncomingMessage): string {
  // A client can hang up while the request waits (a latency fault) before anyone listens for "close": the
  // event is gone by now, and waiting for the body would never end (and would hold up close()).
  if (req.destroyed && !req.complete) throw badRequest("The client closed the connection before the body was complete.");
  const type = req.headers["content-type"] ?? "";
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw badRequest(`Expected a multipart/form-data body, got Content-Type "${type || "(none)"}".`);
  }
  return type;
}

function createParser(req: IncomingMessage, limits: MultipartLimits): busboy.Busboy {
  try {
    return busboy({
      headers: req.headers,
      // preservePath: module names such as "lib/util.js" are filenames with slashes (main_module names them).
      preservePath: true,
      limits: { fileSize: limits.maxPartBytes, fieldSize: limits.maxPartBytes, parts: limits.maxParts ?? Infinity },
    });
  } catch (err) {
    throw badRequest(`Malformed multipart request: ${(err as Error).message}`);
  }
}

/** Gives each part busboy finds to `onPart`, with the Content-Type header the tap read for it; a part over its cap fails the request. */
function handOverParts(parser: busboy.Busboy, tap: PartHeaderTap, limits: MultipartLimits, onPart: (part: MultipartPart) => Promise<void>, run: MultipartRun): void {
  const partTooLarge = (name: string) =>
    new ApiError(413, ErrorCode.requestTooLarge, `Part "${name}" exceeds the emulator's per-part limit of ${limits.maxPartBytes} bytes.`);
  parser.on("file", (name, stream, info) => {
    stream.on("limit", () => run.fail(partTooLarge(name)));
    // Errors reach the handler through iteration; once it is done, a late one (parser torn down) is moot.
    stream.on("error", () => {});
    // destroyOnReturn: false — a handler that stops reading must not destroy the stream busboy is still feeding.
    const body = stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
    const contentType = tap.takeFor(name)?.contentType;
    const handled = onPart({ name, filename: info.filename, mimeType: info.mimeType, contentType, isFile: true, body })
      .catch((err: unknown) => run.fail(err))
      .finally(() => stream.resume()); // a handler that stopped early must not stall the parser
    run.track(handled);
  });
  parser.on("field", (name, value, info) => {
    const contentType = tap.takeFor(name)?.contentType;
    if (info.valueTruncated) return run.fail(partTooLarge(name));
    run.track(onPart({ name, filename: undefined, mimeType: info.mimeType, contentType, isFile: false, body: once(value) }).catch((err: unknown) => run.fail(err)));
  });
}

/**
 * Several errors can race when a request goes wrong (a destroyed parser also errors the part being read), so
 * the most telling one wins: a size limit, then malformed input, then a part's own 4xx, then anything else.
 */
const Rank = { other: 0, partError: 1, malformed: 2, tooLarge: 3 } as const;

/** The rank of an error raised by a part's handler or by the byte counter. */
function rankOf(err: unknown): number {
  if (!(err instanceof ApiError)) return Rank.other;
  return err.status === 413 ? Rank.tooLarge : Rank.partError;
}

/** What busboy's own error means for the request: malformed input, unless it already is a 413. */
function parserFailure(err: unknown): [ApiError, number] {
  const error = err instanceof ApiError ? err : badRequest(`Malformed multipart request: ${(err as Error).message}`);
  return [error, err instanceof ApiError && err.status === 413 ? Rank.tooLarge : Rank.malformed];
}

/** One request's progress: the parts' handlers still running and the most telling error so far. */
class MultipartRun {
  #firstError: unknown;
  #firstRank = -1;
  readonly #pending: Promise<void>[] = [];
  #finished = false;

  constructor(
    private readonly resolve: () => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  get finished(): boolean {
    return this.#finished;
  }

  fail(err: unknown, rank = rankOf(err)): void {
    if (rank > this.#firstRank) [this.#firstError, this.#firstRank] = [err, rank];
  }

  track(handled: Promise<void>): void {
    this.#pending.push(handled);
  }

  /** Settles once every handler has: with the winning error, if any. Only the first call counts. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    Promise.allSettled(this.#pending).then(() => (this.#firstError === undefined ? this.resolve() : this.reject(this.#firstError)));
  }
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
