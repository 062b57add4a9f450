import { File } from "node:buffer";
import { assetBase64Stream, base64Length, type AssetFile } from "../manifest/index.js";

/**
 * One part of a bulk upload: a File whose content is the asset's base64 text, produced from disk while undici
 * writes the multipart body (undici's FormData still does all the multipart framing; it reads a File part
 * through `size` and `stream()`). A bucket of ~50 MiB is thus never held in memory: each part streams one
 * 192 KiB chunk at a time, and a 2 GiB site deploys in flat memory.
 *
 * The content is checked on the way (see assetBase64Stream). A file that changed since the manifest errors its
 * stream before the part is complete; `onChanged` receives that error so the caller can abort the request with
 * it (a body error alone would look like a network failure and be retried).
 */
export class AssetPartFile extends File {
  readonly #asset: AssetFile;
  readonly #hashSalt: string | undefined;
  readonly #onChanged: (error: unknown) => void;

  constructor(asset: AssetFile, hashSalt: string | undefined, onChanged: (error: unknown) => void) {
    // Named by its hash, like wrangler's parts; the type is what Cloudflare stores with the object.
    super([], asset.hash, { type: asset.contentType });
    this.#asset = asset;
    this.#hashSalt = hashSalt;
    this.#onChanged = onChanged;
    // `size` is an accessor of Blob, declared as a field in the typings: shadow it on the instance.
    Object.defineProperty(this, "size", { value: base64Length(asset.size), enumerable: true });
  }

  override stream(): ReturnType<File["stream"]> {
    return assetBase64Stream(this.#asset, this.#hashSalt, this.#onChanged) as ReturnType<File["stream"]>;
  }

  override async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.stream()) chunks.push(chunk);
    const all = Buffer.concat(chunks);
    return new Uint8Array(all.buffer.slice(all.byteOffset, all.byteOffset + all.length) as ArrayBuffer);
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    return (await this.bytes()).buffer;
  }

  override async text(): Promise<string> {
    return Buffer.from(await this.bytes()).toString("latin1");
  }

  /** Slicing would need the file's bytes in memory, which is what this class avoids. */
  override slice(): never {
    throw new Error("AssetPartFile cannot be sliced; read it with stream()");
  }
}
