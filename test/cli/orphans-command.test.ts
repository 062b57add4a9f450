/** `wfp-assets orphans`, run as the compiled CLI against the emulator. */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CloudflareClient, routes } from "../../src/cloudflare/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { servedBody } from "../fixtures/emulator.mjs";
import { TestClient, WORKER_JS, tempDir } from "../emulator/helpers.js";

const REPO = resolve(__dirname, "..", "..");
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "cli-orphans-token-8b2c";
const NS = "cli";

let emulator: RunningEmulator;
let work: { dir: string; cleanup(): Promise<void> };

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(join(REPO, "node_modules", ".bin", "node"), [join(REPO, "dist", "cli.js"), "orphans", ...args], { env: { PATH: process.env.PATH ?? "", CLOUDFLARE_API_BASE_URL: emulator.url, CLOUDFLARE_API_TOKEN: TOKEN } }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  if (!existsSync(join(REPO, "dist", "cli.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does it first).");
  emulator = await startEmulator({ tokens: [TOKEN] });
  const api = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: TOKEN } });
  await api.request({ method: "POST", path: routes.namespacesPath(ACCOUNT), json: { name: NS }, schema: z.unknown() });
  await api.close();
  const client = new TestClient(emulator, TOKEN);
  for (const [name, tags] of [["kept", ["wfp-owner=p/dev"]], ["stray", ["wfp-owner=p/dev"]], ["foreign", ["wfp-owner=p/prod"]]] as const) {
    await client.putScript({ namespace: NS }, name, { main_module: "index.js", tags }, [{ name: "index.js", content: WORKER_JS }]);
  }
  work = await tempDir();
  await writeFile(join(work.dir, "names.txt"), "kept\n");
});
afterAll(async () => {
  await emulator?.close();
  await work?.cleanup();
});

const base = ["--account", ACCOUNT, "--namespace", NS, "--owner", "p/dev"];

describe("wfp-assets orphans", () => {
  it("refuses missing or malformed options with exit code 2, naming the fix", async () => {
    expect(await cli(["--account", ACCOUNT, "--namespace", NS, "--owner", "p/dev"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--declared-file is required: pipe in `pulumi stack export`/) });
    expect(await cli([...base.slice(0, 4), "--owner", "no-slash", "--declared-file", "x"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--owner "no-slash" is not "<project>\/<stack>"/) });
    expect(await cli([...base, "--declared-file", join(work.dir, "missing.txt")])).toMatchObject({ code: 2, stderr: expect.stringMatching(/does not exist/) });
  });

  it("lists the owner's undeclared scripts with modified_on, and deletes them with --delete", async () => {
    const listed = await cli([...base, "--declared-file", join(work.dir, "names.txt")]);
    expect(listed.code, listed.stderr).toBe(0);
    const modified = (await emulator.stats()).accounts[ACCOUNT]!.namespaces[NS]!.scripts.stray!.modifiedOn;
    expect(listed.stdout).toContain(`1 orphan(s) in dispatch namespace "cli": tagged "wfp-owner=p/dev"`);
    expect(listed.stdout).toMatch(new RegExp(`^  stray  modified_on ${modified.replace(/\./g, "\\.")}$`, "m"));
    expect(await servedBody(emulator.origin, NS, "stray")).toBe("hi");

    const deleted = await cli([...base, "--declared-file", join(work.dir, "names.txt"), "--delete"]);
    expect(deleted.stdout).toMatch(/^deleted stray$/m);
    expect(await servedBody(emulator.origin, NS, "stray")).toBeUndefined();
    expect(await servedBody(emulator.origin, NS, "kept")).toBe("hi");
    expect(await servedBody(emulator.origin, NS, "foreign")).toBe("hi");
    expect((await cli([...base, "--declared-file", join(work.dir, "names.txt")])).stdout).toMatch(/No orphans/);
  });
});
