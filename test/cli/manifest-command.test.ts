import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runManifestCommand } from "../../src/cli/manifest-command.js";
import { manifestDigest } from "../../src/manifest/index.js";

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

async function site(files: Record<string, string>): Promise<string> {
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "manifest-cli-")));
  made.push(root);
  for (const [relative, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await fs.writeFile(path.join(root, relative), content);
  }
  return root;
}

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runManifestCommand(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

const fixture = {
  "file-1.txt": "Content of file-1",
  "index.html": "<html></html>",
  "b.bak": "x",
  "_headers": "/*\n  A: b\n",
  ".assetsignore": "*.bak\n",
};

describe("wfp-assets manifest", () => {
  it("prints the sorted manifest as JSON with --json", async () => {
    const root = await site(fixture);
    const { code, stdout, stderr } = await cli(root, "--json");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as Record<string, unknown>;
    expect(printed).toEqual({
      "/file-1.txt": { hash: "0de3dd5df907418e9730fd2bd747bd5e", size: 17 },
      "/index.html": { hash: "4752155c2c0c0320b40bca1d83e8380a", size: 13 },
    });
    expect(Object.keys(printed)).toEqual(["/file-1.txt", "/index.html"]);
  });

  it("prints a summary with files, bytes, ignored count and digest", async () => {
    const root = await site(fixture);
    const { code, stdout } = await cli(root);
    expect(code).toBe(0);
    const digest = manifestDigest({
      "/file-1.txt": { hash: "0de3dd5df907418e9730fd2bd747bd5e", size: 17 },
      "/index.html": { hash: "4752155c2c0c0320b40bca1d83e8380a", size: 13 },
    });
    expect(stdout).toContain(`directory  ${root}\n`);
    expect(stdout).toContain("files      2\n");
    expect(stdout).toContain("bytes      30 (30 B)\n");
    expect(stdout).toContain("ignored    3\n"); // .assetsignore, _headers, b.bak
    expect(stdout).toContain("_headers   present\n");
    expect(stdout).toContain("_redirects none\n");
    expect(stdout).toContain(`digest     ${digest}\n`);
  });

  it("passes --salt, repeated --ignore and --max-files through", async () => {
    const root = await site({ "a.txt": "Content of file-1", "b.map": "m", "c.log": "l" });
    const salted = JSON.parse((await cli(root, "--json", "--salt", "tenant-a", "--ignore", "*.map", "--ignore=*.log")).stdout) as Record<string, { hash: string }>;
    expect(Object.keys(salted)).toEqual(["/a.txt"]);
    expect(salted["/a.txt"]!.hash).not.toBe("0de3dd5df907418e9730fd2bd747bd5e");
    const tooMany = await cli(root, "--max-files", "2");
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/more than 2 assets/);
    expect(tooMany.stdout).toBe("");
  });

  it("exits 1 naming the directory when it cannot be deployed", async () => {
    const root = await site({ "index.html": "x" });
    const missing = path.join(root, "dist");
    const result = await cli(missing);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(missing);
    expect(result.stderr).toMatch(/does not exist/);
    const file = await cli(path.join(root, "index.html"));
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/is a file, not a directory/);
  });

  it.each([
    [[], /missing <dir>/],
    [["a", "b"], /expected one directory, got 2/],
    [["dir", "--jsn"], /--jsn/],
    [["dir", "--max-files", "lots"], /--max-files must be a whole number from 1 to 100,000 .*, got "lots"/],
    [["dir", "--max-files", "0"], /--max-files must be a whole number/],
    [["dir", "--max-files", "100001"], /--max-files must be a whole number/],
    [["dir", "--salt="], /--salt is empty/],
  ])("exits 2 with usage for %j", async (argv, message) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("usage: wfp-assets manifest <dir>");
    expect(result.stdout).toBe("");
  });

  it("prints help on --help", async () => {
    const result = await cli("--help");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("usage: wfp-assets manifest <dir>");
  });
});
