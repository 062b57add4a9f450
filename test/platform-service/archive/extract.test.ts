/**
 * extractArchive on real archives of both kinds: what it writes for a good one, and for every kind of bad one
 * the rejection code, a message that names the entry, and no folder left behind.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { extractArchive } from "../../../packages/platform-service/src/archive/extract.ts";
import { RequestRejected } from "../../../packages/platform-service/src/errors.ts";
import { readFolder, tar, tarGz, zip, type ArchiveKind, type FixtureEntry } from "../archives.js";

const LIMITS = { maxFileBytes: 25 * 1024 * 1024, maxFiles: 20, maxSiteBytes: 256 * 1024 };

let work: string;
beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), "platform-extract-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function archiveFile(bytes: Buffer): string {
  const file = path.join(work, "upload.archive");
  writeFileSync(file, bytes);
  return file;
}

function build(kind: ArchiveKind, entries: FixtureEntry[]): Buffer {
  return kind === "tar.gz" ? tarGz(entries) : zip(entries);
}

async function rejection(bytes: Buffer, limits = LIMITS): Promise<RequestRejected> {
  const destination = path.join(work, "site");
  const error = await extractArchive(archiveFile(bytes), destination, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RequestRejected);
  expect(existsSync(destination)).toBe(false);
  return error as RequestRejected;
}

describe.each<ArchiveKind>(["tar.gz", "zip"])("%s", (kind) => {
  it("unpacks files and folders, with or without a ./ prefix", async () => {
    const destination = path.join(work, "site");
    const result = await extractArchive(
      archiveFile(
        build(kind, [
          { name: "./", type: "directory" },
          { name: "./index.html", content: "<h1>home</h1>" },
          { name: "assets/", type: "directory" },
          { name: "assets/css/site.css", content: "body{}" },
          { name: "empty.txt", content: "" },
        ]),
      ),
      destination,
      LIMITS,
    );
    expect(result).toEqual({ format: kind, files: 3, bytes: 19 });
    expect(readFolder(destination)).toEqual({
      "assets/css/site.css": Buffer.from("body{}"),
      "empty.txt": Buffer.alloc(0),
      "index.html": Buffer.from("<h1>home</h1>"),
    });
  });

  const bad: Array<[string, FixtureEntry[], string, RegExp]> = [
    ["a ../ path", [{ name: "index.html", content: "x" }, { name: "../../evil.html", content: "x" }], "path-traversal", /"\.\.\/\.\.\/evil\.html" has a "\.\." segment/],
    ["a ../ in the middle", [{ name: "a/../../evil.html", content: "x" }], "path-traversal", /"a\/\.\.\/\.\.\/evil\.html"/],
    ["an absolute path", [{ name: "/etc/cron.d/evil", content: "x" }], "absolute-path", /"\/etc\/cron\.d\/evil" is an absolute path/],
    ["a drive-letter path", [{ name: "C:/evil.html", content: "x" }], "absolute-path", /"C:\/evil\.html"/],
    ["a symlink", [{ name: "index.html", content: "x" }, { name: "passwd", type: "symlink", linkTarget: "/etc/passwd" }], "symlink", /"passwd" is a symbolic link/],
    ["a character device", [{ name: "null", type: "char-device" }], "special-file", /"null" is a device file/],
    ["a block device", [{ name: "sda", type: "block-device" }], "special-file", /"sda" is a device file/],
    ["a fifo", [{ name: "pipe", type: "fifo" }], "special-file", /"pipe" is a fifo/],
    ["a control character", [{ name: "bad\u0007name.html", content: "x" }], "invalid-path", /control character/],
    ["the same path twice", [{ name: "a.html", content: "1" }, { name: "./a.html", content: "2" }], "duplicate-path", /"a\.html" twice/],
    ["a file where a folder is", [{ name: "a", content: "1" }, { name: "a/b.html", content: "2" }], "duplicate-path", /file "a"/],
    ["no files at all", [{ name: "empty/", type: "directory" }], "no-files", /no files/],
    ["a file over the per-file limit", [{ name: "big.bin", content: Buffer.alloc(2048) }], "file-too-large", /"big\.bin" is 2\.0 KiB \(2048 bytes\)/],
    ["more files than the limit", Array.from({ length: 21 }, (_, i) => ({ name: `f${i}.txt`, content: "x" })), "too-many-files", /more than 20 files/],
    ["more bytes than the site limit", Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.bin`, content: Buffer.alloc(60 * 1024) })), "site-too-large", /more than 256\.0 KiB/],
  ];

  it.each(bad)("refuses %s", async (_label, entries, code, message) => {
    const limits = code === "file-too-large" ? { ...LIMITS, maxFileBytes: 1024 } : LIMITS;
    const error = await rejection(build(kind, entries), limits);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.status).toBeLessThan(500);
  });

  it("refuses a truncated archive as corrupt", async () => {
    const whole = build(kind, [{ name: "index.html", content: "x".repeat(5000) }]);
    const error = await rejection(whole.subarray(0, Math.floor(whole.length / 2)));
    expect(error.code).toBe("corrupt-archive");
  });
});

describe("tar.gz only", () => {
  it("refuses a hard link", async () => {
    const error = await rejection(tarGz([{ name: "a.html", content: "x" }, { name: "b.html", type: "hard-link", linkTarget: "a.html" }]));
    expect(error.code).toBe("hard-link");
    expect(error.message).toMatch(/"b\.html" is a hard link to "a\.html"/);
  });

  it("refuses a path that climbs out through a long (pax) name", async () => {
    const error = await rejection(tarGz([{ name: `${"d/".repeat(60)}${"../".repeat(61)}evil.html`, content: "x" }]));
    expect(error.code).toBe("path-traversal");
  });

  it("stops a compression bomb by what it expands to, before writing it all", async () => {
    // 4 MiB of zeros per declared file would pass each header check, but not the expanded-bytes guard.
    const bomb = gzipSync(Buffer.concat([tar([{ name: "a.bin", content: Buffer.alloc(100) }]).subarray(0, 1024), Buffer.alloc(64 * 1024 * 1024)]));
    expect(bomb.length).toBeLessThan(200 * 1024);
    const error = await rejection(bomb);
    expect(error.code).toBe("site-too-large");
    expect(error.message).toMatch(/compression bomb/);
  });

  it("refuses a gzip inside the gzip", async () => {
    const error = await rejection(gzipSync(tarGz([{ name: "index.html", content: "x" }])));
    expect(error.code).toBe("nested-compression");
  });

  it("refuses a gzip that holds no tar", async () => {
    const error = await rejection(gzipSync(Buffer.from("just some text, not a tar archive\n".repeat(40))));
    expect(error.code).toBe("corrupt-archive");
    expect(error.message).toMatch(/cannot be read as one/);
  });
});

describe("zip only", () => {
  it("refuses an entry whose data is longer than its declared size", async () => {
    const error = await rejection(zip([{ name: "index.html", content: "x".repeat(10_000), declaredSize: 10 }]));
    expect(error.code).toBe("corrupt-archive");
  });

  it("refuses an archive with more entries than files and folders allowed, before reading them", async () => {
    const error = await rejection(zip(Array.from({ length: 41 }, (_, i) => ({ name: `d${i}/`, type: "directory" as const }))));
    expect(error.code).toBe("too-many-files");
    expect(error.message).toMatch(/41 entries/);
  });

  it("reads names with backslashes (Windows tools) as folders", async () => {
    const destination = path.join(work, "site");
    await extractArchive(archiveFile(zip([{ name: "docs\\index.html", content: "d" }])), destination, LIMITS);
    expect(readFileSync(path.join(destination, "docs", "index.html"), "utf8")).toBe("d");
  });
});

it("refuses a body that is no archive, naming its first bytes", async () => {
  const error = await rejection(Buffer.from("<html>not an archive</html>"));
  expect(error.code).toBe("not-an-archive");
  expect(error.message).toMatch(/starts with the bytes 3c 68 74 6d/);
  expect(readdirSync(work)).toEqual(["upload.archive"]);
});
