/**
 * A deliberately small client for the emulator tests: undici fetch + undici FormData, no product code, so the
 * tests check the emulator against the protocol, not against our own client.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { FormData, fetch } from "undici";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { EMULATOR_ACCOUNT } from "../fixtures/emulator.mjs";

export const ACCOUNT = EMULATOR_ACCOUNT;
export const OTHER_ACCOUNT = "fedcba9876543210fedcba9876543210";
export const TOKEN = "test-token-0000000000";

export interface ErrorItem {
  code: number;
  message: string;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  /** `errors` is typed with a first element so tests can read errors[0] directly (it is absent on success). */
  body: { success: boolean; errors: [ErrorItem, ...ErrorItem[]]; messages: unknown[]; result: T; result_info?: Record<string, any> };
  text: string;
}

export type Auth = { token: string } | { email: string; key: string } | { bearer: string } | "none";

export interface CallOptions {
  json?: unknown;
  form?: FormData;
  body?: string | Buffer;
  headers?: Record<string, string>;
  auth?: Auth;
}

export class TestClient {
  constructor(
    readonly emu: RunningEmulator,
    readonly token: string = emu.tokens[0]!,
  ) {}

  async call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const auth = options.auth ?? { token: this.token };
    if (auth !== "none") {
      if ("token" in auth) headers.authorization = `Bearer ${auth.token}`;
      else if ("bearer" in auth) headers.authorization = `Bearer ${auth.bearer}`;
      else {
        headers["x-auth-email"] = auth.email;
        headers["x-auth-key"] = auth.key;
      }
    }
    let body: string | Buffer | FormData | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] = "application/json";
    }
    if (options.form) body = options.form;
    const res = await fetch(`${this.emu.url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: any;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers as unknown as Headers, body: parsed, text };
  }

  createNamespace(name: string, account = ACCOUNT) {
    return this.call("POST", `/accounts/${account}/workers/dispatch/namespaces`, { json: { name } });
  }

  session(target: Target, script: string, manifest: Record<string, { hash: string; size: number }>, account = ACCOUNT) {
    return this.call<{ jwt: string; buckets: string[][] } | null>("POST", `${scriptPath(target, script, account)}/assets-upload-session`, { json: { manifest } });
  }

  upload(jwt: string, parts: Asset[], account = ACCOUNT, query = "?base64=true") {
    const form = new FormData();
    for (const p of parts) form.append(p.hash, new Blob([p.content.toString("base64")], { type: p.type }), p.hash);
    return this.call<{ jwt?: string }>("POST", `/accounts/${account}/workers/assets/upload${query}`, { form, auth: { bearer: jwt } });
  }

  putScript(target: Target, script: string, metadata: Record<string, unknown>, modules: Array<{ name: string; content: string; type?: string }> = [], account = ACCOUNT) {
    const form = new FormData();
    form.append("metadata", JSON.stringify(metadata));
    for (const m of modules) form.append(m.name, new Blob([m.content], { type: m.type ?? "application/javascript+module" }), m.name);
    return this.call("PUT", scriptPath(target, script, account), { form });
  }

  /** Session + every bucket + returns the completion JWT (asserting the protocol's 202…201 shape). */
  async uploadAll(target: Target, script: string, assets: Record<string, Asset>, account = ACCOUNT): Promise<string> {
    const manifest = Object.fromEntries(Object.entries(assets).map(([p, a]) => [p, { hash: a.hash, size: a.content.length }]));
    const session = await this.session(target, script, manifest, account);
    if (session.status !== 200 || !session.body.result) throw new Error(`session failed: ${session.status} ${session.text}`);
    const { jwt, buckets } = session.body.result;
    if (buckets.length === 0) return jwt;
    const byHash = new Map(Object.values(assets).map((a) => [a.hash, a]));
    let completion: string | undefined;
    for (const bucket of buckets) {
      const res = await this.upload(jwt, bucket.map((h) => byHash.get(h)!), account);
      if (res.status !== 201 && res.status !== 202) throw new Error(`upload failed: ${res.status} ${res.text}`);
      completion = res.body.result?.jwt ?? completion;
    }
    if (!completion) throw new Error("no completion JWT");
    return completion;
  }

  stats() {
    return this.emu.stats();
  }
}

export type Target = { namespace: string } | "account";

export function scriptPath(target: Target, script: string, account = ACCOUNT): string {
  return target === "account" ? `/accounts/${account}/workers/scripts/${script}` : `/accounts/${account}/workers/dispatch/namespaces/${target.namespace}/scripts/${script}`;
}

export interface Asset {
  hash: string;
  content: Buffer;
  type: string;
}

/** An opaque 32-hex hash (the emulator never recomputes hashes), salted with the extension like wrangler's. */
export function asset(content: string | Buffer, ext = "txt", type = "text/plain; charset=utf-8"): Asset {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8");
  const hash = createHash("sha256").update(bytes).update(ext).digest("hex").slice(0, 32);
  return { hash, content: bytes, type };
}

export function manifestOf(assets: Record<string, Asset>): Record<string, { hash: string; size: number }> {
  return Object.fromEntries(Object.entries(assets).map(([p, a]) => [p, { hash: a.hash, size: a.content.length }]));
}

/** Decodes a JWT's payload without verifying it (as wrangler does to read exp and per-file claims). */
export function jwtPayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8"));
}

export async function tempDir(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "wfp-emu-test-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Starts an emulator with a fixed token and quiet logging; returns it with a client. */
export async function start(options: EmulatorOptions = {}): Promise<{ emu: RunningEmulator; client: TestClient; logs: string[] }> {
  const logs: string[] = [];
  const emu = await startEmulator({ tokens: [TOKEN], log: (l) => logs.push(l), ...options });
  return { emu, client: new TestClient(emu), logs };
}

export const WORKER_JS = "export default { fetch() { return new Response('hi'); } };";
