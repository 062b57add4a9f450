import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { PartHeaderTap, boundaryOf } from "../../../src/emulator/protocol/part-headers.js";

const BOUNDARY = "----tap-boundary-1234";
const body = [
  `preamble\r\n--${BOUNDARY}\r\n`,
  `Content-Disposition: form-data; name="a"; filename="a"\r\nContent-Type: text/html; charset=utf-8\r\n\r\n`,
  `<p>--${BOUNDARY.slice(0, 8)} not a delimiter</p>\r\n--${BOUNDARY}  \r\n`,
  `Content-Disposition: form-data; name="b"\r\n\r\n`,
  `plain field\r\n--${BOUNDARY}\r\n`,
  `Content-Type: application/null\r\nContent-Disposition: form-data; name="c"; filename="c"\r\n\r\n`,
  `\r\n--${BOUNDARY}\r\n`,
  `Content-Disposition: attachment; name="skipped"\r\nContent-Type: text/plain\r\n\r\nx\r\n--${BOUNDARY}--\r\nepilogue`,
].join("");

async function tapAll(chunkSize: number): Promise<{ out: Buffer; tap: PartHeaderTap }> {
  const tap = new PartHeaderTap(BOUNDARY);
  const bytes = Buffer.from(body, "latin1");
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const out: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    Readable.from(chunks).pipe(tap).on("data", (c: Buffer) => out.push(c)).on("end", resolve).on("error", reject);
  });
  return { out: Buffer.concat(out), tap };
}

describe("PartHeaderTap", () => {
  it.each([1, 2, 3, 7, 64, 100_000])("records each form-data part's Content-Type as sent, in chunks of %i bytes, and passes the bytes through", async (size) => {
    const { out, tap } = await tapAll(size);
    expect(out.toString("latin1")).toBe(body);
    expect(tap.takeFor("a")).toEqual({ name: "a", contentType: "text/html; charset=utf-8" });
    expect(tap.takeFor("b")).toEqual({ name: "b", contentType: undefined });
    expect(tap.takeFor("c")).toEqual({ name: "c", contentType: "application/null" });
    expect(tap.takeFor("skipped")).toBeUndefined();
  });

  it("reads the boundary parameter, quoted or not", () => {
    expect(boundaryOf("multipart/form-data; boundary=abc")).toBe("abc");
    expect(boundaryOf('multipart/form-data; charset=x; boundary="a b"')).toBe("a b");
    expect(boundaryOf("multipart/form-data")).toBeUndefined();
  });
});
