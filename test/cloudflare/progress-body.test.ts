import busboy from "busboy";
import { File } from "node:buffer";
import { FormData } from "undici";
import { describe, expect, it } from "vitest";
import { progressBody, SLICE_BYTES } from "../../src/cloudflare/progress-body.js";

async function drain(body: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; chunks: number[] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return { bytes: Buffer.concat(chunks), chunks: chunks.map((c) => c.length) };
}

interface Part {
  name: string;
  filename?: string;
  type: string;
  data: string;
}

function parse(contentType: string, bytes: Buffer): Promise<Part[]> {
  return new Promise((resolve, reject) => {
    const parts: Part[] = [];
    const parser = busboy({ headers: { "content-type": contentType } });
    parser.on("file", (name, stream, info) => {
      const data: Buffer[] = [];
      stream.on("data", (c: Buffer) => data.push(c)).on("end", () => parts.push({ name, filename: info.filename, type: info.mimeType, data: Buffer.concat(data).toString() }));
    });
    parser.on("field", (name, value, info) => parts.push({ name, type: info.mimeType, data: value }));
    parser.on("close", () => resolve(parts)).on("error", reject);
    parser.end(bytes);
  });
}

describe("progressBody", () => {
  it("encodes FormData as multipart with an exact content-length, reporting every byte and then the end", async () => {
    const big = "x".repeat(3 * SLICE_BYTES + 5);
    const form = new FormData();
    form.append("metadata", '{"main_module":"index.js"}\nline');
    form.append("a".repeat(32), new File([big], "a".repeat(32), { type: "text/html; charset=utf-8" }));
    form.append('quote"name', new File(["z"], "", { type: "" }));
    const events: (number | "end")[] = [];
    const { body, headers } = progressBody(form, { onBytes: (n) => events.push(n), onEnd: () => events.push("end") });
    const { bytes, chunks } = await drain(body!);
    expect(Number(headers["content-length"])).toBe(bytes.length);
    expect(headers["content-type"]).toMatch(/^multipart\/form-data; boundary=----wfp-assets-[0-9a-f]{24}$/);
    expect(Math.max(...chunks)).toBeLessThanOrEqual(SLICE_BYTES);
    expect(events.at(-1)).toBe("end");
    expect(events.filter((e) => e !== "end").reduce((a, b) => (a as number) + (b as number), 0)).toBe(bytes.length);
    expect(await parse(headers["content-type"]!, bytes)).toEqual([
      // Text values travel with CRLF line breaks.
      { name: "metadata", type: "text/plain", data: '{"main_module":"index.js"}\r\nline' },
      { name: "a".repeat(32), filename: "a".repeat(32), type: "text/html", data: big },
      { name: "quote%22name", filename: undefined, type: "application/octet-stream", data: "z" },
    ]);
  });

  it("sends text in slices with its byte length, and nothing for no body", async () => {
    const json = JSON.stringify({ manifest: { "/é.html": { hash: "0".repeat(32), size: 1 } }, pad: "p".repeat(2 * SLICE_BYTES) });
    let reported = 0;
    let ended = false;
    const { body, headers } = progressBody(json, { onBytes: (n) => (reported += n), onEnd: () => (ended = true) });
    const { bytes, chunks } = await drain(body!);
    expect(bytes.toString("utf8")).toBe(json);
    expect(headers).toEqual({ "content-length": String(Buffer.byteLength(json)) });
    expect(chunks.length).toBe(3);
    expect(reported).toBe(bytes.length);
    expect(ended).toBe(true);
    expect(progressBody(undefined, { onBytes: () => {}, onEnd: () => {} })).toEqual({ body: undefined, headers: {} });
  });
});
