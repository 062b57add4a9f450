import http from "node:http";
import { pipeline } from "node:stream/promises";
import { etagKey } from "./asset-types.js";
import { prefixLocation } from "./site-address.js";
import { sendText } from "./responses.js";

/**
 * Passes a request to a site's Worker socket and its answer back unchanged: method, headers (raw, so repeated
 * ones such as Set-Cookie survive), body, status, and redirects as the asset Worker wrote them (never followed).
 * Only hop-by-hop headers are dropped, and the Host is set to the site's, so `request.url` in the Worker is the
 * site URL whichever way the request arrived. The one change: an asset answer gets the Content-Type its file was
 * uploaded with (asset-types.ts), not Miniflare's guess from the extension.
 */

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "host"]);

export interface ProxyTarget {
  /** The Worker's socket. */
  url: URL;
  /** Path and query to request. */
  path: string;
  /** Host header the Worker sees. */
  host: string;
  /** For the path-based fallback: put back on root-relative `Location` headers. */
  locationPrefix: string | undefined;
  agent: http.Agent;
  /** Miniflare ETag → the stored content type (null = none) of the site's assets. */
  assetTypes?: ReadonlyMap<string, string | null>;
}

/** Resolves once the exchange is over (answered, failed or abandoned by the client); never rejects. */
export function proxyRequest(req: http.IncomingMessage, res: http.ServerResponse, target: ProxyTarget): Promise<void> {
  return new Promise((resolve) => {
    const upstream = http.request({
      host: target.url.hostname,
      port: target.url.port,
      method: req.method,
      path: target.path,
      headers: forwardedHeaders(req.rawHeaders, target.host),
      setHost: false,
      agent: target.agent,
    });
    upstream.on("response", (answer) => {
      const headers = storedContentType(answerHeaders(answer.rawHeaders, target.locationPrefix), target.assetTypes);
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
      pipeline(answer, res).then(resolve, () => {
        res.destroy();
        resolve();
      });
    });
    upstream.on("error", (err) => {
      if (!res.headersSent) sendText(res, 502, `The site's Worker did not answer (${err.message}).\n`);
      else res.destroy();
      resolve();
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
      resolve();
    });
    req.pipe(upstream);
  });
}

/** Request headers minus hop-by-hop ones (and those the Connection header names), with the site's Host. */
export function forwardedHeaders(raw: string[], host: string): string[] {
  const out = ["Host", host];
  const named = connectionTokens(raw);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || named.has(name)) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

export function answerHeaders(raw: string[], locationPrefix: string | undefined): string[] {
  const out: string[] = [];
  const named = connectionTokens(raw);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || named.has(name)) continue;
    const value = name === "location" && locationPrefix !== undefined ? prefixLocation(raw[i + 1]!, locationPrefix) : raw[i + 1]!;
    out.push(raw[i]!, value);
  }
  return out;
}

/** Replaces the Content-Type of an asset answer (recognised by its ETag) with the type stored at upload. */
export function storedContentType(raw: string[], assetTypes: ReadonlyMap<string, string | null> | undefined): string[] {
  if (!assetTypes || assetTypes.size === 0) return raw;
  let stored: string | null | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === "etag") stored = assetTypes.get(etagKey(raw[i + 1]!));
  if (stored === undefined) return raw;
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() !== "content-type") out.push(raw[i]!, raw[i + 1]!);
  if (stored !== null) out.push("Content-Type", stored);
  return out;
}

function connectionTokens(raw: string[]): Set<string> {
  const tokens = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== "connection") continue;
    for (const t of raw[i + 1]!.split(",")) tokens.add(t.trim().toLowerCase());
  }
  return tokens;
}
