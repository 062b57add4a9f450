import { Transform, type TransformCallback } from "node:stream";

/**
 * Reads each multipart part's header block as the bytes stream past, without changing them. busboy (which parses
 * the bodies) reports a part's media type as `type/subtype` only and says `text/plain` for a part that sent no
 * Content-Type at all; Cloudflare stores the part's Content-Type header as sent (`text/html; charset=utf-8`,
 * docs/cloudflare-api.md §3/§7.3) and serves a file uploaded without one without one. This tap recovers exactly what was sent.
 *
 * It looks for the delimiter `CRLF--boundary` (the body can never contain it, RFC 2046 §5.1.1), then collects the
 * header lines up to the blank line. Only parts whose Content-Disposition is `form-data` are recorded, in order,
 * which is the order in which busboy announces them; `takeFor(name)` hands them out in that order.
 *
 * Interim: a parser that exposes raw part headers (e.g. @mjackson/multipart-parser) would replace both this tap
 * and busboy; it is not installed here.
 */

export interface RawPartHeaders {
  /** The `name` parameter of Content-Disposition as written (quoted form only), for a sanity check. */
  name: string | undefined;
  /** The Content-Type header value as sent, trimmed; undefined when the part had none. */
  contentType: string | undefined;
}

/** Header blocks longer than this are not recorded (busboy refuses such parts anyway). */
const MAX_HEADER_BYTES = 16 * 1024;

type State = "seek" | "after-delimiter" | "padding" | "headers" | "done";

export class PartHeaderTap extends Transform {
  private readonly delimiter: Buffer;
  private readonly queue: RawPartHeaders[] = [];
  /** Bytes not yet scanned; starts with a CRLF so a delimiter at the very start of the body matches too. */
  private pending: Buffer = Buffer.from("\r\n");
  private state: State = "seek";
  /** The part of a header block seen so far (it may span chunks). */
  private header: Buffer = Buffer.alloc(0);

  constructor(boundary: string) {
    super();
    this.delimiter = Buffer.from(`\r\n--${boundary}`, "latin1");
  }

  /** The next recorded part's headers, expected to be the part busboy just announced as `name`. */
  takeFor(name: string): RawPartHeaders | undefined {
    const next = this.queue.shift();
    if (!next) return undefined;
    // A name written in another encoding (RFC 5987 `name*=`) cannot be compared; order still identifies the part.
    if (next.name !== undefined && next.name !== name) return undefined;
    return next;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.scan(chunk);
    callback(null, chunk);
  }

  private scan(chunk: Buffer): void {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    let pos = 0;
    while (pos < buf.length && this.state !== "done") {
      if (this.state === "seek") {
        const at = buf.indexOf(this.delimiter, pos);
        if (at === -1) {
          // Keep just enough to find a delimiter split across chunks.
          const keep = Math.min(buf.length - pos, this.delimiter.length - 1);
          this.pending = Buffer.from(buf.subarray(buf.length - keep));
          return;
        }
        pos = at + this.delimiter.length;
        this.state = "after-delimiter";
      } else if (this.state === "after-delimiter") {
        if (buf.length - pos < 2) break;
        if (buf[pos] === 0x2d && buf[pos + 1] === 0x2d) {
          this.state = "done"; // "--": the close delimiter, nothing follows that matters
          return;
        }
        this.state = "padding";
      } else if (this.state === "padding") {
        // Optional whitespace after the boundary, then the CRLF that ends the delimiter line.
        const eol = buf.indexOf("\r\n", pos, "latin1");
        if (eol === -1) break;
        pos = eol + 2;
        this.state = "headers";
        this.header = Buffer.alloc(0);
      } else {
        // The header block: lines up to a blank line (an empty block is just the blank line).
        const combined = Buffer.concat([this.header, buf.subarray(pos)]);
        let end: number;
        let separator: number;
        if (combined.length >= 2 && combined[0] === 0x0d && combined[1] === 0x0a) {
          [end, separator] = [0, 2];
        } else {
          end = combined.indexOf("\r\n\r\n", 0, "latin1");
          separator = 4;
        }
        if (end === -1 || combined.length < 2) {
          if (combined.length > MAX_HEADER_BYTES) this.state = "seek"; // not recorded; busboy refuses it
          else this.header = Buffer.from(combined);
          return;
        }
        this.record(combined.subarray(0, end).toString("latin1"));
        pos += end + separator - this.header.length;
        this.header = Buffer.alloc(0);
        this.state = "seek"; // the body ends at the next delimiter, whose CRLF is the body's last bytes
      }
    }
    if (pos < buf.length && this.state !== "done") this.pending = Buffer.from(buf.subarray(pos));
  }

  private record(block: string): void {
    let disposition: string | undefined;
    let contentType: string | undefined;
    for (const line of block.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const field = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (field === "content-disposition" && disposition === undefined) disposition = value;
      if (field === "content-type" && contentType === undefined) contentType = value;
    }
    if (!disposition || !/^form-data\s*(;|$)/i.test(disposition)) return;
    const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1];
    this.queue.push({ name, contentType: contentType === "" ? undefined : contentType });
  }
}

/** The boundary parameter of a multipart Content-Type header, or undefined. */
export function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}
