/**
 * AssetPartFile inside undici's FormData: the multipart body undici writes carries each asset's base64 text
 * (produced while it is written), named and typed as Cloudflare expects; a changed file stops the body.
 */
import { Readable } from "node:stream";
import busboy from "busboy";
import { FormData, Response } from "undici";
import { describe, expect, it } from "vitest";
import fs from "node:fs/promises";
import path from "node:path";
import { AssetPartFile } from "../../src/deploy/asset-part.js";
import { buildManifest, base64Length, HASH_CHUNK_SIZE } from "../../src/manifest/index.js";
import { useTempDirs, writeTree } from "../manifest/tree.js";

const { tempDir } = useTempDirs();

/** What undici would send for `form`: its own multipart encoding, read through the Fetch Response body. */
async function encode(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const response = new Response(form);
  return { body: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get("content-type")! };
}

function parse(body: Buffer, contentType: string): Promise<{ name: string; filename: string; type: string; text: string }[]> {
  return new Promise((resolve, reject) => {
    const parts: { name: string; filename: string; type: string; text: string }[] = [];
    const parser = busboy({ headers: { "content-type": contentType } });
    parser.on("file", (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => parts.push({ name, filename: info.filename ?? "", type: info.mimeType, text: Buffer.concat(chunks).toString("latin1") }));
    });
    parser.on("close", () => resolve(parts));
    parser.on("error", reject);
    Readable.from(body).pipe(parser);
  });
}

describe("AssetPartFile", () => {
  it("becomes a part named by hash, typed by content type, holding the base64 text; size is the text's length", async () => {
    const root = await tempDir("asset-part-");
    const big = Buffer.alloc(HASH_CHUNK_SIZE + 10);
    for (let i = 0; i < big.length; i++) big[i] = (i * 13) & 0xff;
    await writeTree(root, { "index.html": "<h1>hi</h1>", "img/logo.png": big });
    const built = await buildManifest(root);
    const form = new FormData();
    for (const file of built.files) form.append(file.hash, new AssetPartFile(file, undefined, () => undefined));
    for (const file of built.files) expect((form.get(file.hash) as File).size).toBe(base64Length(file.size));

    const { body, contentType } = await encode(form);
    const parts = await parse(body, contentType);
    expect(parts).toEqual(
      built.files.map((file) => ({
        name: file.hash,
        filename: file.hash,
        type: file.contentType.split(";")[0],
        text: (file.key === "/index.html" ? Buffer.from("<h1>hi</h1>") : big).toString("base64"),
      })),
    );
  });

  it("calls onChanged with the ManifestError and fails the body when the file changed since the manifest", async () => {
    const root = await tempDir("asset-part-");
    await writeTree(root, { "a.txt": "before" });
    const [file] = (await buildManifest(root)).files;
    await fs.writeFile(path.join(root, "a.txt"), "after!");
    const changed: unknown[] = [];
    const form = new FormData();
    form.append(file!.hash, new AssetPartFile(file!, undefined, (error) => changed.push(error)));
    await expect(encode(form)).rejects.toThrow();
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ code: "changed-during-deploy", path: path.join(root, "a.txt") });
  });

  it("reads the same text through text() and refuses slice()", async () => {
    const root = await tempDir("asset-part-");
    await writeTree(root, { "a.txt": "hello" });
    const [file] = (await buildManifest(root)).files;
    const part = new AssetPartFile(file!, undefined, () => undefined);
    expect(await part.text()).toBe(Buffer.from("hello").toString("base64"));
    expect(() => part.slice()).toThrow(/cannot be sliced/);
  });
});
