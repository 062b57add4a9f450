/**
 * Request bodies as pull-based chunk sequences that report progress: undici pulls the next chunk only after the
 * previous one was written and the socket drained, so each pull is upload progress (the idle timeout's "bytes
 * moved"), and the pull that finds the end means the whole body was handed to the socket.
 *
 * FormData is encoded here (RFC 7578), not by undici, so that the end of the body is observable: the parts' Files
 * are streamed as they are sent (a bucket's AssetPartFile reads and encodes from disk), never buffered.
 */
import { randomBytes } from "node:crypto";

/**
 * Bodies go in slices of at most this size — JSON text, and File chunks too (an in-memory Blob streams as one
 * chunk of its whole size) — so that on a slow link each slice written is visible progress.
 */
export const SLICE_BYTES = 64 * 1024;

export interface BodyProgress {
  onBytes(bytes: number): void;
  /** Every byte of the body was handed over. */
  onEnd(): void;
}

export interface ProgressBody {
  body: AsyncIterable<Uint8Array> | undefined;
  /** content-length always; content-type for multipart (with its boundary). */
  headers: Record<string, string>;
}

export function progressBody(body: string | FormData | undefined, progress: BodyProgress): ProgressBody {
  if (body === undefined) return { body: undefined, headers: {} };
  if (typeof body === "string") {
    const bytes = Buffer.from(body, "utf8");
    return { body: counted([bytes], progress), headers: { "content-length": String(bytes.length) } };
  }
  const encoded = encodeFormData(body);
  return {
    body: counted(encoded.parts, progress),
    headers: { "content-type": encoded.contentType, "content-length": String(encoded.length) },
  };
}

async function* counted(parts: Iterable<Uint8Array | Blob>, progress: BodyProgress): AsyncIterable<Uint8Array> {
  for (const part of parts) {
    const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = part instanceof Uint8Array ? [part] : (part.stream() as AsyncIterable<Uint8Array>);
    for await (const chunk of chunks) {
      for (let at = 0; at < chunk.byteLength; at += SLICE_BYTES) {
        const slice = chunk.subarray(at, at + SLICE_BYTES);
        progress.onBytes(slice.byteLength);
        yield slice;
      }
    }
  }
  progress.onEnd();
}

export interface EncodedForm {
  /** Framing text (as bytes) and the Files themselves, in order. */
  parts: (Uint8Array | Blob)[];
  length: number;
  contentType: string;
}

/** Quotes in a name or filename would end the parameter early; line breaks would end the header. */
const escapeParam = (value: string): string => value.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22");
/** Text field values travel with CRLF line breaks (HTML's multipart/form-data encoding algorithm). */
const crlf = (value: string): string => value.replace(/\r\n|\r|\n/g, "\r\n");

/**
 * `--boundary`, then per entry `Content-Disposition: form-data; name="…"` (plus `; filename="…"` and a
 * `Content-Type` line for files, `application/octet-stream` when the File has no type), a blank line, the
 * content and CRLF; then `--boundary--` CRLF. A File is appended without a filename when its name is empty.
 */
export function encodeFormData(form: FormData): EncodedForm {
  const boundary = `----wfp-assets-${randomBytes(12).toString("hex")}`;
  const parts: (Uint8Array | Blob)[] = [];
  let length = 0;
  const text = (value: string): void => {
    const bytes = Buffer.from(value, "utf8");
    parts.push(bytes);
    length += bytes.byteLength;
  };
  for (const [name, value] of form) {
    const disposition = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeParam(crlf(name))}"`;
    if (typeof value === "string") {
      text(`${disposition}\r\n\r\n${crlf(value)}\r\n`);
      continue;
    }
    const file = value as unknown as Blob & { name?: string };
    const filename = file.name ? `; filename="${escapeParam(file.name)}"` : "";
    text(`${disposition}${filename}\r\nContent-Type: ${file.type || "application/octet-stream"}\r\n\r\n`);
    parts.push(file);
    length += file.size;
    text("\r\n");
  }
  text(`--${boundary}--\r\n`);
  return { parts, length, contentType: `multipart/form-data; boundary=${boundary}` };
}
