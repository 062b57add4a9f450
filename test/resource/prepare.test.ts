import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/provider/canonical.js";
import { prepareAssetConfig, prepareAssets, prepareWorker, projectRelative } from "../../src/resource/prepare.js";
import { mainModuleProblem } from "../../src/rules/index.js";

let project: string;

beforeEach(async () => {
  project = await mkdtemp(join(tmpdir(), "wfp-prepare-"));
  await mkdir(join(project, "site", "docs"), { recursive: true });
  await writeFile(join(project, "site", "index.html"), "<html></html>");
  await writeFile(join(project, "site", "docs", "a.txt"), "Content of file-1");
  await writeFile(join(project, "site", "_headers"), "/*\n  X-Frame-Options: DENY\n");
  await mkdir(join(project, "worker", "lib"), { recursive: true });
  await writeFile(join(project, "worker", "index.js"), "import u from './lib/u.js'; export default { fetch() { return new Response(u) } }");
  await writeFile(join(project, "worker", "lib", "u.js"), "export default 'hi'");
});

afterEach(async () => {
  await rm(project, { recursive: true, force: true });
});

describe("prepareAssets", () => {
  it("records project-relative paths and a path → hash manifest, as one JSON text", async () => {
    const prepared = await prepareAssets({ directory: join(project, "site") }, project);
    expect(prepared.directory).toBe("site");
    expect(typeof prepared.manifest).toBe("string");
    expect(JSON.parse(prepared.manifest)).toEqual({
      "/docs/a.txt": "0de3dd5df907418e9730fd2bd747bd5e",
      "/index.html": "4752155c2c0c0320b40bca1d83e8380a",
    });
    expect(prepared.headers).toContain("X-Frame-Options");
  });

  it("fails during preparation for a missing directory, naming it", async () => {
    await expect(prepareAssets({ directory: "nope" }, project)).rejects.toThrow(/nope/);
  });
});

describe("prepareAssetConfig", () => {
  it("takes _headers from the folder unless given explicitly", async () => {
    const prepared = await prepareAssets({ directory: "site" }, project);
    expect(prepareAssetConfig(undefined, prepared)?.headers).toContain("DENY");
    expect(prepareAssetConfig({ headers: "/x\n  A: b\n" }, prepared)?.headers).toBe("/x\n  A: b\n");
    expect(prepareAssetConfig({ htmlHandling: "none" }, { directory: ".", manifest: "{}" })).toEqual({ htmlHandling: "none" });
    expect(prepareAssetConfig(undefined, { directory: ".", manifest: "{}" })).toBeUndefined();
  });
});

describe("prepareWorker", () => {
  it("records file modules by relative path and sha256, named from the main module's folder", async () => {
    const worker = await prepareWorker(
      { mainModule: "worker/index.js", modules: ["worker/lib/u.js"], assetsBinding: "ASSETS", compatibilityDate: "2025-06-01" },
      project,
    );
    expect(worker).toEqual({
      mainModule: "index.js",
      modules: [
        { name: "index.js", path: "worker/index.js", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
        { name: "lib/u.js", path: "worker/lib/u.js", sha256: sha256Hex("export default 'hi'") },
      ],
      assetsBinding: "ASSETS",
      compatibilityDate: "2025-06-01",
    });
  });

  it("keeps inline modules", async () => {
    const worker = await prepareWorker({ mainModule: "main.js", modules: [{ name: "main.js", content: "export default {}" }] }, project);
    expect(worker?.modules).toEqual([{ name: "main.js", content: "export default {}", sha256: sha256Hex("export default {}") }]);
  });

  it("refuses an assets binding without a main module", async () => {
    await expect(prepareWorker({ mainModule: "", assetsBinding: "ASSETS" }, project)).rejects.toThrow(/assets-only worker/);
  });

  it("reports the main-module rule when the main module is neither an inline module nor a file", async () => {
    const worker = { mainModule: "main.js", modules: [{ name: "index.js", content: "export default {}" }] };
    await expect(prepareWorker(worker, project)).rejects.toThrow(mainModuleProblem(worker, ["index.js"]));
    await expect(prepareWorker({ mainModule: "" }, project)).rejects.toThrow(/^worker\.mainModule is required/);
  });

  it("names a missing module file", async () => {
    await expect(prepareWorker({ mainModule: "worker/missing.js" }, project)).rejects.toThrow(/worker\.mainModule: cannot read .*missing\.js/);
  });

  it("refuses a module outside the main module's folder", async () => {
    await expect(prepareWorker({ mainModule: "worker/lib/u.js", modules: ["worker/index.js"] }, project)).rejects.toThrow(/outside the main module's folder/);
  });
});

describe("projectRelative", () => {
  it("is stable across project locations", () => {
    expect(projectRelative("/a/b/site", "/a/b")).toBe("site");
    expect(projectRelative("site", "/x/y")).toBe("site");
    expect(projectRelative("/a/b", "/a/b")).toBe(".");
  });
});
