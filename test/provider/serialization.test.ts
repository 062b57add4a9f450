import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CloudflareClient, routes } from "../../src/cloudflare/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { hashAssetBytes } from "../../src/manifest/index.js";

const REPO = resolve(__dirname, "..", "..");
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "serialization-token-93be1f";

let emulator: RunningEmulator;

beforeAll(async () => {
  if (!existsSync(join(REPO, "dist", "provider", "shell.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does it first).");
  emulator = await startEmulator({ tokens: [TOKEN] });
  const api = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: TOKEN } });
  await api.request({ method: "POST", path: routes.namespacesPath(ACCOUNT), json: { name: "tenants" }, schema: z.unknown() });
  await api.close();
});

afterAll(async () => {
  await emulator?.close();
});

describe("the serialized provider (compiled JS, plain Node)", () => {
  it("is small, holds no credential, and loads and runs like the provider host runs it", async () => {
    const { stdout } = await promisify(execFile)(
      join(REPO, "node_modules", ".bin", "node"),
      [join(__dirname, "fixtures", "serialize-provider.cjs")],
      {
        env: {
          ...process.env,
          REPO_ROOT: REPO,
          // Present while serializing: none of it may end up in the text.
          CLOUDFLARE_API_TOKEN: TOKEN,
          TEST_TOKEN: TOKEN,
          TEST_BASE_URL: emulator.url,
          TEST_ACCOUNT: ACCOUNT,
          TEST_HASH: hashAssetBytes(Buffer.from("<h1>serialized</h1>"), "html"),
        },
        maxBuffer: 16 << 20,
      },
    );
    const lines = stdout.trim().split("\n");
    expect(lines.some((line) => line.includes("serialized: done: uploaded 1 file"))).toBe(true);
    const result = JSON.parse(lines.at(-1)!) as {
      text: string;
      containsSecrets: boolean;
      checked: { inputs?: unknown; failures?: unknown[] };
      created: { id: string; outs: Record<string, unknown> };
      read: { id?: string; props?: Record<string, unknown> };
    };
    expect(result.text.length).toBeLessThan(3000); // by value; an installed package stores a ~260-byte require (test/package)
    expect(result.text).not.toContain(TOKEN);
    expect(result.text).not.toContain(REPO); // no absolute path: state must not depend on where the code lives
    expect(result.containsSecrets).toBe(false);
    expect(result.checked.failures ?? []).toEqual([]);
    expect(result.created.id).toBe(`${ACCOUNT}/tenants/serialized`);
    expect(result.created.outs).toMatchObject({ fileCount: 1, uploadedFiles: 1, hasAssets: true });
    expect(result.read.props).toMatchObject({ etag: result.created.outs.etag });
    const live = (await emulator.stats()).accounts[ACCOUNT]!.namespaces.tenants!.scripts.serialized!;
    expect(Object.keys(live.manifest)).toEqual(["/index.html"]);
  });
});
