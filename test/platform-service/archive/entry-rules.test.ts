import { describe, expect, it } from "vitest";
import { MAX_PATH_BYTES, sitePath, SiteBudget } from "../../../packages/platform-service/src/archive/entry-rules.ts";
import { RequestRejected } from "../../../packages/platform-service/src/errors.ts";

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof RequestRejected ? error.code : `not rejected: ${String(error)}`;
  }
}

describe("sitePath", () => {
  it.each([
    ["index.html", "index.html"],
    ["./index.html", "index.html"],
    ["./", ""],
    [".", ""],
    ["a//b/./c.css", "a/b/c.css"],
    ["assets/", "assets"],
    ["..hidden/x", "..hidden/x"],
    ["ünïcode/файл.html", "ünïcode/файл.html"],
  ])("%s → %s", (name, path) => expect(sitePath(name)).toBe(path));

  it.each([
    ["../x", "path-traversal"],
    ["a/../../x", "path-traversal"],
    ["a/..", "path-traversal"],
    ["/x", "absolute-path"],
    ["C:/x", "absolute-path"],
    ["c:x", "absolute-path"],
    ["a\\b", "invalid-path"],
    ["a\u0000b", "invalid-path"],
    ["", "invalid-path"],
    [`${"x".repeat(256)}.html`, "invalid-path"],
    [`${"abcdefgh/".repeat(Math.ceil(MAX_PATH_BYTES / 9))}x`, "invalid-path"],
  ])("refuses %j (%s)", (name, code) => expect(codeOf(() => sitePath(name))).toBe(code));
});

describe("SiteBudget", () => {
  const limits = { maxFileBytes: 100, maxFiles: 3, maxSiteBytes: 250 };

  it("counts files and bytes, and lets folders repeat", () => {
    const budget = new SiteBudget(limits);
    expect(budget.admit({ name: "./", kind: "directory", size: 0 })).toBeUndefined();
    expect(budget.admit({ name: "a/", kind: "directory", size: 0 })).toEqual({ path: "a", kind: "directory", size: 0 });
    expect(budget.admit({ name: "a/", kind: "directory", size: 0 })).toEqual({ path: "a", kind: "directory", size: 0 });
    expect(budget.admit({ name: "a/b.txt", kind: "file", size: 100 })).toEqual({ path: "a/b.txt", kind: "file", size: 100 });
    expect(budget.admit({ name: "c.txt", kind: "file", size: 100 })?.path).toBe("c.txt");
    expect([budget.fileCount, budget.totalBytes]).toEqual([2, 200]);
    expect(codeOf(() => budget.admit({ name: "d.txt", kind: "file", size: 51 }))).toBe("site-too-large");
    expect(codeOf(() => budget.admit({ name: "a/b.txt/c", kind: "directory", size: 0 }))).toBe("duplicate-path");
    expect(codeOf(() => budget.admit({ name: "a", kind: "file", size: 1 }))).toBe("duplicate-path");
  });

  it("caps files, folders and the size of one file", () => {
    const budget = new SiteBudget(limits);
    expect(codeOf(() => budget.admit({ name: "big", kind: "file", size: 101 }))).toBe("file-too-large");
    for (const name of ["1", "2", "3"]) budget.admit({ name, kind: "file", size: 0 });
    expect(codeOf(() => budget.admit({ name: "4", kind: "file", size: 0 }))).toBe("too-many-files");
    const folders = new SiteBudget(limits);
    for (const name of ["d1/", "d2/", "d3/"]) folders.admit({ name, kind: "directory", size: 0 });
    expect(codeOf(() => folders.admit({ name: "d4/", kind: "directory", size: 0 }))).toBe("too-many-files");
  });

  it("refuses encrypted entries and every kind that is not a file or a folder", () => {
    const budget = new SiteBudget(limits);
    expect(codeOf(() => budget.admit({ name: "x", kind: "file", size: 1, encrypted: true }))).toBe("encrypted-entry");
    expect(codeOf(() => budget.admit({ name: "l", kind: "symlink", size: 0, linkTarget: "/" }))).toBe("symlink");
    expect(codeOf(() => budget.admit({ name: "h", kind: "hard-link", size: 0 }))).toBe("hard-link");
    for (const kind of ["device", "fifo", "socket", "other"] as const) expect(codeOf(() => budget.admit({ name: "s", kind, size: 0 }))).toBe("special-file");
  });
});
