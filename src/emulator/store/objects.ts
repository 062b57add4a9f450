import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { access, mkdir, readFile, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { isSha256Hex } from "../model/names.js";
import { tempPath, writeFileAtomic } from "./atomic.js";

/**
 * Immutable objects addressed by the sha256 of their bytes: script modules and asset manifests. Manifests can
 * hold 100k entries, so scripts and sessions reference them by digest instead of embedding them in state.json.
 * Layout: <root>/<sha[0:2]>/<sha>.
 */
export class ObjectStore {
  constructor(
    private readonly root: string,
    private readonly tmpDir: string,
  ) {}

  async putBytes(data: Uint8Array): Promise<{ sha: string; size: number }> {
    const sha = createHash("sha256").update(data).digest("hex");
    const file = this.file(sha);
    if (!(await exists(file))) await writeFileAtomic(file, data);
    return { sha, size: data.length };
  }

  /** Streams `body` to disk while hashing it; `onTooLarge` builds the error thrown past `maxBytes`. */
  async putStream(body: AsyncIterable<Buffer | Uint8Array>, maxBytes: number, onTooLarge: () => Error): Promise<{ sha: string; size: number }> {
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = tempPath(this.tmpDir, "object");
    const hash = createHash("sha256");
    let size = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of body) {
        size += chunk.length;
        if (size > maxBytes) throw onTooLarge();
        hash.update(chunk);
        yield chunk;
      }
    }
    try {
      await pipeline(counted(), createWriteStream(tmp));
      const sha = hash.digest("hex");
      const file = this.file(sha);
      await mkdir(path.dirname(file), { recursive: true });
      await rename(tmp, file);
      return { sha, size };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(sha: string): Promise<Buffer | undefined> {
    return readFile(this.file(sha)).catch(() => undefined);
  }

  async putJson(value: unknown): Promise<string> {
    return (await this.putBytes(Buffer.from(JSON.stringify(value), "utf8"))).sha;
  }

  async getJson(sha: string): Promise<unknown> {
    const data = await this.get(sha);
    return data === undefined ? undefined : (JSON.parse(data.toString("utf8")) as unknown);
  }

  /** Deletes every object not in `keep` (manifests of expired sessions, modules of replaced versions). */
  async collectGarbage(keep: ReadonlySet<string>): Promise<number> {
    let removed = 0;
    const shards = await readdir(this.root).catch(() => [] as string[]);
    for (const shard of shards) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      for (const name of await readdir(path.join(this.root, shard))) {
        if (isSha256Hex(name) && !keep.has(name)) {
          await rm(path.join(this.root, shard, name), { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  private file(sha: string): string {
    if (!isSha256Hex(sha)) throw new Error(`invalid object id: ${sha}`);
    return path.join(this.root, sha.slice(0, 2), sha);
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
