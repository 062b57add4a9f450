/**
 * Accepted uploads' archives, stored in the database in parts until their deploy has run: a 202 is answered
 * only once the archive and its job are committed, so any replica can run the deploy after any crash. The
 * database is the one store every replica reaches with nothing else to configure (README "What lives in the
 * database"); parts keep both sides streaming (never the whole archive in memory).
 */
import { createReadStream, createWriteStream } from "node:fs";
import type { Queryable } from "./records.ts";

/** 1 MiB per row: small enough to stream, few enough rows for a 256 MiB archive. */
const PART_BYTES = 1024 * 1024;

export async function storeArchive(db: Queryable, deploymentId: string, file: string): Promise<void> {
  let part = 0;
  let pending: Buffer = Buffer.alloc(0);
  const flush = async (data: Buffer): Promise<void> => {
    await db.query("insert into platform_archives (deployment_id, part, data) values ($1, $2, $3)", [deploymentId, part++, data]);
  };
  for await (const chunk of createReadStream(file, { highWaterMark: PART_BYTES })) {
    pending = pending.length === 0 ? (chunk as Buffer) : Buffer.concat([pending, chunk as Buffer]);
    while (pending.length >= PART_BYTES) {
      await flush(pending.subarray(0, PART_BYTES));
      pending = pending.subarray(PART_BYTES);
    }
  }
  if (pending.length > 0 || part === 0) await flush(pending);
}

/** Writes the stored archive to `file` (which must not exist), part by part; false when none is stored. */
export async function loadArchive(db: Queryable, deploymentId: string, file: string): Promise<boolean> {
  const { rows } = await db.query<{ count: string }>("select count(*) as count from platform_archives where deployment_id = $1", [deploymentId]);
  const parts = Number(rows[0]!.count);
  if (parts === 0) return false;
  const out = createWriteStream(file, { flags: "wx", mode: 0o600 });
  try {
    for (let part = 0; part < parts; part++) {
      const { rows: data } = await db.query<{ data: Buffer }>("select data from platform_archives where deployment_id = $1 and part = $2", [deploymentId, part]);
      if (!data[0]) throw new Error(`part ${part} of the archive of ${deploymentId} is missing`);
      if (!out.write(data[0].data)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
  } finally {
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
  return true;
}

export async function dropArchive(db: Queryable, deploymentId: string): Promise<void> {
  await db.query("delete from platform_archives where deployment_id = $1", [deploymentId]);
}
