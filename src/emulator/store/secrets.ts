import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "./atomic.js";

/**
 * Per-data-directory secrets: the HS256 key that signs upload/completion JWTs (so JWTs stay valid across a
 * restart with the same --data) and the generated API token used when none is configured.
 */
export async function loadOrCreateJwtKey(dataDir: string): Promise<Uint8Array> {
  const file = path.join(dataDir, "jwt-secret.key");
  const existing = await readFile(file).catch(() => undefined);
  if (existing && existing.length >= 32) return new Uint8Array(existing);
  const key = randomBytes(32);
  await writeFileAtomic(file, key, 0o600);
  return new Uint8Array(key);
}

export async function loadOrCreateApiToken(dataDir: string): Promise<string> {
  const file = path.join(dataDir, "api-token");
  const existing = (await readFile(file, "utf8").catch(() => "")).trim();
  if (/^[A-Za-z0-9_-]{20,}$/.test(existing)) return existing;
  const token = `emu_${randomBytes(24).toString("base64url")}`;
  await writeFileAtomic(file, token + "\n", 0o600);
  return token;
}
