import { describe, expect, it } from "vitest";
import { Base64Error, decodeBase64Stream } from "../../../src/emulator/protocol/base64.js";

async function decode(chunks: string[]): Promise<Buffer> {
  const out: Buffer[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const b of decodeBase64Stream(source())) out.push(b);
  return Buffer.concat(out);
}

describe("decodeBase64Stream", () => {
  const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37) % 256));
  const b64 = bytes.toString("base64");

  it("decodes regardless of where chunks split the text", async () => {
    for (const size of [1, 2, 3, 5, 7, 64, 999]) {
      const chunks: string[] = [];
      for (let i = 0; i < b64.length; i += size) chunks.push(b64.slice(i, i + size));
      expect(await decode(chunks)).toEqual(bytes);
    }
  });

  it("handles padding of one and two '=' and unpadded input", async () => {
    expect((await decode(["YQ=="])).toString()).toBe("a");
    expect((await decode(["YWI="])).toString()).toBe("ab");
    expect((await decode(["YQ"])).toString()).toBe("a");
    expect((await decode(["Y", "Q", "=", "="])).toString()).toBe("a");
  });

  it("tolerates MIME line breaks", async () => {
    expect(await decode([b64.slice(0, 76) + "\r\n" + b64.slice(76)])).toEqual(bytes);
  });

  it("decodes the empty string to no bytes", async () => {
    expect((await decode([""])).length).toBe(0);
  });

  it.each([
    ["characters outside the alphabet", ["Q29u!GVudA=="]],
    ["url-safe alphabet", ["_-__"]],
    ["data after padding", ["YQ==YQ=="]],
    ["data after padding across chunks", ["YQ==", "YQ"]],
    ["a dangling single character", ["YWJjZ"]],
    ["three padding characters", ["YQ==="]],
  ])("rejects %s", async (_label, chunks) => {
    await expect(decode(chunks)).rejects.toBeInstanceOf(Base64Error);
  });
});
