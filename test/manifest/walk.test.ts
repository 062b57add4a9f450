/** The walk's decisions per entry and per link; the walk itself is tested on real trees in symlinks.test.ts and build.test.ts. */
import { describe, expect, it } from "vitest";
import { entryStep, isInsideOrSame, linkStep, type LinkTarget } from "../../src/manifest/walk.js";

const kind = (what: "directory" | "file" | "link" | "fifo") => ({
  isDirectory: () => what === "directory",
  isFile: () => what === "file",
  isSymbolicLink: () => what === "link",
});

describe("entryStep", () => {
  it("skips directories (the rules test files against their parents), drops ignored and special entries", () => {
    expect(entryStep(kind("directory"), false)).toBe("skip");
    expect(entryStep(kind("file"), false)).toBe("file");
    expect(entryStep(kind("file"), true)).toBe("ignore");
    expect(entryStep(kind("link"), false)).toBe("link");
    expect(entryStep(kind("link"), true)).toBe("ignore");
    expect(entryStep(kind("fifo"), false)).toBe("ignore");
  });
});

describe("linkStep", () => {
  const root = "/site";
  const dir = (target: string): LinkTarget => ({ target, isDirectory: true, isFile: false });
  const file = (target: string): LinkTarget => ({ target, isDirectory: false, isFile: true });
  // The link /site/a/b/link, found while walking the root.
  const onPath = [{ top: "/site", bottom: "/site/a/b" }];

  it("follows files and directories inside the root", () => {
    expect(linkStep(file("/site/x.txt"), false, root, onPath)).toBe("file");
    expect(linkStep(dir("/site/c"), false, root, onPath)).toBe("walk");
    expect(linkStep(dir("/site/a/b/c"), false, root, onPath)).toBe("walk");
  });

  it("refuses targets outside the root, even a sibling with the root's name as prefix", () => {
    expect(linkStep(file("/etc/passwd"), false, root, onPath)).toBe("escape");
    expect(linkStep(dir("/site-private"), false, root, onPath)).toBe("escape");
  });

  it("calls a directory that holds the link's own path a loop", () => {
    expect(linkStep(dir("/site"), false, root, onPath)).toBe("loop");
    expect(linkStep(dir("/site/a"), false, root, onPath)).toBe("loop");
    expect(linkStep(dir("/site/a/b"), false, root, onPath)).toBe("loop");
    // Two levels of links: /site/a/l1 → /site/c, then /site/c/l2 → /site/a would reach l1 again.
    const twoLevels = [{ top: "/site", bottom: "/site/a" }, { top: "/site/c", bottom: "/site/c" }];
    expect(linkStep(dir("/site/a"), false, root, twoLevels)).toBe("loop");
    expect(linkStep(dir("/site/b"), false, root, twoLevels)).toBe("walk");
  });

  it("ignores an ignored linked directory before anything else, and targets that are neither file nor directory", () => {
    expect(linkStep(dir("/elsewhere"), true, root, onPath)).toBe("ignore");
    expect(linkStep({ target: "/site/fifo", isDirectory: false, isFile: false }, false, root, onPath)).toBe("ignore");
  });
});

describe("isInsideOrSame", () => {
  it("compares real paths by segments", () => {
    expect(isInsideOrSame("/site", "/site")).toBe(true);
    expect(isInsideOrSame("/site/a", "/site")).toBe(true);
    expect(isInsideOrSame("/site-b", "/site")).toBe(false);
    expect(isInsideOrSame("/", "/site")).toBe(false);
  });
});
