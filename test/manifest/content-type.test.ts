import { describe, expect, it } from "vitest";
import { contentTypeFor } from "../../src/manifest/index.js";

describe("contentTypeFor", () => {
  it.each([
    ["/index.html", "text/html; charset=utf-8"],
    ["/app.js", "text/javascript; charset=utf-8"],
    ["/site.css", "text/css; charset=utf-8"],
    ["/notes.txt", "text/plain; charset=utf-8"],
    ["/UPPER.CSS", "text/css; charset=utf-8"],
    ["/data.json", "application/json"],
    ["/logo.svg", "image/svg+xml"],
    ["/module.wasm", "application/wasm"],
    ["/photo.jpeg", "image/jpeg"],
    ["/font.woff2", "font/woff2"],
    ["/file.greg", "application/null"],
    ["/Makefile", "application/null"],
    ["/.htaccess", "application/null"],
    ["/béëp/boo^p.txt", "text/plain; charset=utf-8"],
  ])("%s → %s", (file, type) => {
    expect(contentTypeFor(file)).toBe(type);
  });
});
