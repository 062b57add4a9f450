/**
 * Every document, section and source file a comment cites exists in the repository, so a maintainer who clones it
 * can follow each one. Cited forms: a Markdown path with optional sections (`docs/cloudflare-api.md §15.1, §16.1`),
 * a source path from the repository root (`src/…/x.ts`, `packages/<name>/src/…`, `test/…`, `bench/…`,
 * `scripts/…`). A section sign in a comment must follow a cited document or an RFC number; anything else (the old
 * "doc §N" pointing outside the repository) fails.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");
const self = relative(root, __filename);

const sourceExtensions = [".ts", ".mts", ".mjs"];

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (name === "node_modules" || name === "dist") return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return sourceExtensions.some((ext) => name.endsWith(ext)) ? [path] : [];
  });
}

function scannedFiles(): string[] {
  const packages = readdirSync(join(root, "packages")).map((name) => join(root, "packages", name, "src"));
  return [join(root, "src"), ...packages, join(root, "test"), join(root, "bench"), join(root, "scripts")]
    .flatMap(sourceFiles)
    .map((path) => relative(root, path))
    .filter((path) => path !== self);
}

/** The comment text of a line: the whole line inside a block comment, else what follows `//`. */
function commentOf(line: string): string | undefined {
  const trimmed = line.trimStart();
  if (trimmed.startsWith("*") || trimmed.startsWith("/*") || trimmed.startsWith("//")) return trimmed;
  const at = line.search(/(?<![:"'`])\/\/ /);
  return at >= 0 ? line.slice(at) : undefined;
}

/** Section numbers a document declares: headings such as `## §15 …` or `### §15.1 …`. */
function sectionsOf(docPath: string): Set<string> {
  const headings = readFileSync(docPath, "utf8").matchAll(/^#+\s+§(\d+(?:\.\d+)*)\b/gm);
  return new Set([...headings].map((m) => m[1]!));
}

/** A cited Markdown file: a path from the repository root, or a bare name found at the root or in docs/. */
function resolveDoc(cited: string): string | undefined {
  const candidates = cited.includes("/") ? [cited] : [cited, join("docs", cited)];
  return candidates.map((c) => join(root, c)).find((path) => existsSync(path));
}

const docCitation = /(?<![\w./-])((?:[\w.-]+\/)*[\w-]+\.md)((?:\s*(?:,|\/|and)?\s*§\d+(?:\.\d+)*)*)/g;
const sourceCitation = /(?<![\w./-])((?:src|test|bench|scripts|packages\/[\w-]+\/src)\/[\w./-]*\w\.(?:ts|mts|mjs|js))\b/g;
const rfcSection = /RFC \d+ §\d+(?:\.\d+)*/g;

type Source = { file: string; text: string };

function read(files: string[]): Source[] {
  return files.map((file) => ({ file, text: readFileSync(join(root, file), "utf8") }));
}

function brokenCitations(sources: Source[]): string[] {
  const problems: string[] = [];
  for (const { file, text } of sources) {
    const lines = text.split("\n");
    lines.forEach((line, index) => {
      const comment = commentOf(line);
      if (comment === undefined) return;
      const where = `${file}:${index + 1}`;
      let rest = comment.replace(rfcSection, "");
      for (const match of comment.matchAll(docCitation)) {
        rest = rest.replace(match[0], "");
        const doc = resolveDoc(match[1]!);
        if (doc === undefined) {
          problems.push(`${where}: cites ${match[1]}, which is not in the repository`);
          continue;
        }
        const declared = sectionsOf(doc);
        for (const section of (match[2] ?? "").matchAll(/§(\d+(?:\.\d+)*)/g)) {
          if (!declared.has(section[1]!)) problems.push(`${where}: ${match[1]} has no heading for §${section[1]}`);
        }
      }
      if (/§\d/.test(rest)) problems.push(`${where}: a § section without a document in the repository: ${rest.trim()}`);
      for (const match of comment.matchAll(sourceCitation)) {
        if (!existsSync(join(root, match[1]!))) problems.push(`${where}: cites ${match[1]}, which does not exist`);
      }
    });
  }
  return problems;
}

describe("citations in comments", () => {
  it("scans the source folders", () => {
    const files = scannedFiles();
    expect(files.some((f) => f.startsWith("src/"))).toBe(true);
    expect(files.some((f) => basename(f) === "stacks.ts")).toBe(true);
  });

  it("point at documents, sections and source files that exist", () => {
    expect(brokenCitations(read(scannedFiles()))).toEqual([]);
  });

  it("names file and line of a missing document, a missing section, a bare § and a missing source file", () => {
    const text = [
      "const a = 1; // limits (docs/cloudflare-api.md §15.1, §99.9)",
      "/** see docs/no-such-file.md */",
      " * the old form (doc §15.1)",
      " * RFC 9110 §10.2.3 is a standard, not a document here",
      "// moved: src/no/such/file.ts",
    ].join("\n");
    expect(brokenCitations([{ file: "x.ts", text }])).toEqual([
      "x.ts:1: docs/cloudflare-api.md has no heading for §99.9",
      "x.ts:2: cites docs/no-such-file.md, which is not in the repository",
      "x.ts:3: a § section without a document in the repository: * the old form (doc §15.1)",
      "x.ts:5: cites src/no/such/file.ts, which does not exist",
    ]);
  });
});
