/**
 * Strict streaming base64 decoding for uploaded parts. Node's Buffer.from(…, "base64") silently skips invalid
 * characters, which would store corrupted assets; here any character outside the standard alphabet, or data
 * after the padding, fails the part. Line breaks are tolerated (MIME-style wrapping); a missing final padding is
 * accepted as Node does.
 */

export class Base64Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Base64Error";
  }
}

const INVALID = /[^A-Za-z0-9+/=]/;

export async function* decodeBase64Stream(source: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<Buffer> {
  let carry = "";
  let padded = false;
  for await (const chunk of source) {
    let text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("latin1");
    if (text.includes("\n") || text.includes("\r")) text = text.replace(/[\r\n]/g, "");
    if (text.length === 0) continue;
    if (INVALID.test(text)) throw new Base64Error("contains characters outside the base64 alphabet");
    if (padded) {
      if (/[^=]/.test(text)) throw new Base64Error("has data after the '=' padding");
      carry += text;
      continue;
    }
    text = carry + text;
    const pad = text.indexOf("=");
    if (pad >= 0) {
      if (/[^=]/.test(text.slice(pad))) throw new Base64Error("has data after the '=' padding");
      padded = true;
      carry = text;
      continue;
    }
    const usable = text.length - (text.length % 4);
    carry = text.slice(usable);
    if (usable > 0) yield Buffer.from(text.slice(0, usable), "base64");
  }
  if (carry.length === 0) return;
  const data = carry.replace(/=+$/, "");
  const pads = carry.length - data.length;
  if (pads > 2 || data.length % 4 === 1 || (pads > 0 && (data.length + pads) % 4 !== 0)) {
    throw new Base64Error("has a malformed final quantum (bad length or padding)");
  }
  yield Buffer.from(data, "base64");
}
