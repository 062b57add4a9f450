/**
 * Site-serving test helpers: deploy a site through the emulator's own API (the undici client in helpers.ts) and
 * request it the way a browser would, by Host name, while connecting to 127.0.0.1 (undici's request lets a test
 * set the Host header; fetch does not).
 */
import { readFile, readdir } from "node:fs/promises";
import { request } from "undici";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { ACCOUNT, type Asset, type Target, TestClient, asset } from "./helpers.js";

export interface SiteAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET (or another method) on a site, by Host header, over a loopback connection. */
export async function siteGet(emu: RunningEmulator, host: string, path = "/", init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<SiteAnswer> {
  const res = await request(`${emu.origin}${path}`, {
    method: (init.method ?? "GET") as "GET",
    headers: { host: `${host}:${emu.port}`, accept: "text/html", ...(init.headers ?? {}) },
    body: init.body,
  });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

/** A request on the emulator's own origin (fallback paths, the /__sites listing). */
export async function originGet(emu: RunningEmulator, path: string): Promise<SiteAnswer> {
  const res = await request(`${emu.origin}${path}`, { headers: { accept: "text/html" } });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

export interface SiteSpec {
  files: Record<string, string>;
  config?: Record<string, unknown>;
  modules?: Array<{ name: string; content: string; type?: string }>;
  metadata?: Record<string, unknown>;
}

/** Uploads the files and PUTs the script; returns the PUT answer's script object. */
export async function deploySite(client: TestClient, target: Target, script: string, spec: SiteSpec, account = ACCOUNT): Promise<Record<string, unknown>> {
  const assets: Record<string, Asset> = {};
  for (const [p, content] of Object.entries(spec.files)) {
    const ext = p.split(".").pop() ?? "";
    assets[p] = asset(content, ext, ext === "html" ? "text/html" : "application/octet-stream");
  }
  const jwt = await client.uploadAll(target, script, assets, account);
  const metadata: Record<string, unknown> = { assets: { jwt, config: spec.config ?? {} }, compatibility_date: "2025-06-01", ...(spec.metadata ?? {}) };
  const put = await client.putScript(target, script, metadata, spec.modules ?? [], account);
  if (put.status !== 200) throw new Error(`PUT ${script} failed: ${put.status} ${put.text}`);
  return put.body.result;
}

/** Child processes of this process whose command is workerd (Linux /proc). */
export async function workerdChildren(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // "pid (comm) state ppid ..."; comm may hold spaces, so split after the last ")".
    const close = stat.lastIndexOf(")");
    if (close === -1) continue;
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const ppid = Number(stat.slice(close + 2).split(" ")[1]);
    if (ppid === process.pid && comm.includes("workerd")) pids.push(Number(entry));
  }
  return pids;
}
