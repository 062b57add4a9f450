import { readFile, readdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmulatorCore } from "../../../src/emulator/core.js";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { resolveOptions } from "../../../src/emulator/options.js";
import { MINIFLARE_VERSION, createMiniflareLoader } from "../../../src/emulator/serve/miniflare-loader.js";
import { SiteServer } from "../../../src/emulator/serve/site-server.js";
import { createEmulatorServer } from "../../../src/emulator/server.js";
import { TOKEN, TestClient } from "../helpers.js";
import { deploySite, originGet, siteGet } from "../serve-helpers.js";
import { REPO_ROOT } from "../../fixtures/repo.mjs";

describe("without miniflare installed", () => {
  let core: EmulatorCore;
  let emu: RunningEmulator;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    core = await EmulatorCore.open(resolveOptions({ tokens: [TOKEN] }));
    // The real loader, pointed at a package that is not installed: the same failure as a missing miniflare.
    const sites = new SiteServer(core, { loadMiniflare: createMiniflareLoader("miniflare-is-not-installed-here") });
    const created = createEmulatorServer(core, sites);
    await new Promise<void>((resolve) => created.server.listen(0, "127.0.0.1", resolve));
    const { port } = created.server.address() as AddressInfo;
    const origin = `http://127.0.0.1:${port}`;
    emu = { url: `${origin}/client/v4`, origin, port, dataDir: core.dataDir, tokens: [TOKEN] } as RunningEmulator;
    stop = async () => {
      const closed = new Promise<void>((resolve) => created.server.close(() => resolve()));
      created.server.closeAllConnections();
      await created.stop();
      await closed;
      await core.close();
    };
  });
  afterAll(() => stop());

  it("answers site requests with a 501 page that says what to install, and the API keeps working", async () => {
    const client = new TestClient(emu, TOKEN);
    expect((await client.createNamespace("tenants")).status).toBe(200);
    await deploySite(client, { namespace: "tenants" }, "blog", { files: { "/index.html": "hi" } });
    const res = await siteGet(emu, "blog.tenants.localhost", "/");
    expect(res.status).toBe(501);
    expect(res.body).toContain(`npm install --save-dev miniflare@${MINIFLARE_VERSION}`);
    const fallback = await originGet(emu, "/__sites/tenants/blog/");
    expect(fallback.status).toBe(501);
    // Listing needs no miniflare.
    expect(JSON.parse((await originGet(emu, "/__sites")).body)).toHaveLength(1);
  });
});

describe("miniflare stays optional", () => {
  it("names the version package.json declares as the peer dependency", async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, "package.json"), "utf8"));
    expect(pkg.peerDependencies.miniflare).toBe(MINIFLARE_VERSION);
    expect(pkg.peerDependenciesMeta.miniflare.optional).toBe(true);
  });

  it("is loaded only by the lazy loader: every other mention in src/emulator is type-only", async () => {
    const root = path.join(REPO_ROOT, "src", "emulator");
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith(".ts"));
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(root, file), "utf8");
      for (const line of text.split("\n")) {
        if (!/["']miniflare["']/.test(line) || /^\s*(\*|\/\/)/.test(line)) continue;
        const typeOnly = /^\s*import type .* from "miniflare";/.test(line) || /typeof import\("miniflare"\)/.test(line);
        const theLoader = file === path.join("serve", "miniflare-loader.ts") && /createMiniflareLoader\(specifier = "miniflare"\)/.test(line);
        if (!typeOnly && !theLoader) offenders.push(`${file}: ${line.trim()}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
