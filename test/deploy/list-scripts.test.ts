import { afterEach, describe, expect, it } from "vitest";
import { CloudflareClient } from "../../src/cloudflare/index.js";
import { listNamespaceScripts, NamespaceNotFoundError } from "../../src/deploy/index.js";
import { startServer, type LoopbackServer } from "../cloudflare/loopback-server.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
let server: LoopbackServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const envelope = (result: unknown, resultInfo?: unknown) => JSON.stringify({ success: true, errors: [], messages: [], result, ...(resultInfo ? { result_info: resultInfo } : {}) });

describe("listNamespaceScripts", () => {
  it("follows result_info.cursor, 1,000 per page, until the cursor is empty", async () => {
    const pages: Record<string, { items: unknown[]; cursor: string }> = {
      "": { items: [{ id: "a", modified_on: "2026-11-01T00:00:00Z" }, { id: "b", created_on: "2026-10-01T00:00:00Z" }], cursor: "p2" },
      p2: { items: [{ id: "c", etag: "e", tags: ["x"], extra: true }], cursor: "" },
    };
    server = await startServer((req, res) => {
      const url = new URL(req.url, "http://x");
      expect(url.pathname).toBe(`/client/v4/accounts/${ACCOUNT}/workers/dispatch/namespaces/fleet/scripts`);
      expect(url.searchParams.get("limit")).toBe("1000");
      const page = pages[url.searchParams.get("cursor") ?? ""]!;
      res.setHeader("content-type", "application/json");
      res.end(envelope(page.items, { cursor: page.cursor, count: page.items.length }));
    });
    const client = new CloudflareClient({ baseUrl: server.baseUrl, credentials: { apiToken: "t0k3n-list" } });
    const scripts = await listNamespaceScripts(client, ACCOUNT, "fleet");
    await client.close();
    expect([...scripts.keys()]).toEqual(["a", "b", "c"]);
    expect(scripts.get("a")).toEqual({ id: "a", modifiedOn: "2026-11-01T00:00:00Z" });
    expect(scripts.get("c")).toEqual({ id: "c", etag: "e", tags: ["x"] });
    expect(server.requests).toHaveLength(2);
  });

  it("a 404 on the listing is a missing namespace, not an empty one", async () => {
    server = await startServer((_req, res) => {
      res.statusCode = 404;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ success: false, errors: [{ code: 10320, message: "namespace not found" }], messages: [], result: null }));
    });
    const client = new CloudflareClient({ baseUrl: server.baseUrl, credentials: { apiToken: "t0k3n-list" } });
    await expect(listNamespaceScripts(client, ACCOUNT, "gone")).rejects.toThrow(NamespaceNotFoundError);
    await client.close();
  });
});
