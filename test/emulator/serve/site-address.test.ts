import { describe, expect, it } from "vitest";
import { matchFallbackPath, matchSiteHost, prefixLocation, siteFallbackPath, siteHost } from "../../../src/emulator/serve/site-address.js";

describe("matchSiteHost", () => {
  it("reads <script>.<namespace>.localhost with or without a port", () => {
    expect(matchSiteHost("blog.tenants.localhost:8787")).toEqual({ kind: "site", name: { namespace: "tenants", script: "blog" } });
    expect(matchSiteHost("blog.tenants.localhost")).toEqual({ kind: "site", name: { namespace: "tenants", script: "blog" } });
    expect(matchSiteHost("blog.tenants.localhost.:80")).toEqual({ kind: "site", name: { namespace: "tenants", script: "blog" } });
  });

  it("reads <script>.localhost as an account script and lower-cases labels", () => {
    expect(matchSiteHost("Landing.LOCALHOST:1")).toEqual({ kind: "site", name: { namespace: undefined, script: "landing" } });
  });

  it("leaves the API's hosts alone", () => {
    for (const host of [undefined, "", "localhost", "localhost:8787", "127.0.0.1:8787", "[::1]:8787", "example.com", "blog.tenants.example"]) {
      expect(matchSiteHost(host)).toEqual({ kind: "api" });
    }
  });

  it("refuses *.localhost names that cannot name a site", () => {
    expect(matchSiteHost("a.b.c.localhost")).toEqual({ kind: "bad-site-host", host: "a.b.c.localhost" });
    expect(matchSiteHost("a..localhost").kind).toBe("bad-site-host");
    expect(matchSiteHost(".localhost").kind).toBe("bad-site-host");
  });
});

describe("matchFallbackPath", () => {
  it("splits /__sites/<namespace>/<script>/<path> and keeps the query", () => {
    expect(matchFallbackPath("/__sites/tenants/blog/posts/1/?page=2")).toEqual({
      kind: "site",
      name: { namespace: "tenants", script: "blog" },
      prefix: "/__sites/tenants/blog",
      path: "/posts/1/?page=2",
    });
  });

  it("maps the site root with or without a trailing slash to /", () => {
    expect(matchFallbackPath("/__sites/tenants/blog")).toMatchObject({ kind: "site", path: "/" });
    expect(matchFallbackPath("/__sites/tenants/blog/")).toMatchObject({ kind: "site", path: "/" });
    expect(matchFallbackPath("/__sites/tenants/blog?x=1")).toMatchObject({ kind: "site", path: "/?x=1" });
  });

  it("reads ~account as the account's own scripts", () => {
    expect(matchFallbackPath("/__sites/~account/landing/a")).toMatchObject({ kind: "site", name: { namespace: undefined, script: "landing" }, path: "/a" });
  });

  it("recognises the listing, half paths and other paths", () => {
    expect(matchFallbackPath("/__sites")).toEqual({ kind: "list" });
    expect(matchFallbackPath("/__sites/")).toEqual({ kind: "list" });
    expect(matchFallbackPath("/__sites?x")).toEqual({ kind: "list" });
    expect(matchFallbackPath("/__sites/tenants")).toEqual({ kind: "bad-fallback-path" });
    expect(matchFallbackPath("/__sites/tenants/")).toEqual({ kind: "bad-fallback-path" });
    expect(matchFallbackPath("/__sitesx/a/b")).toEqual({ kind: "none" });
    expect(matchFallbackPath("/client/v4/user/tokens/verify")).toEqual({ kind: "none" });
  });
});

describe("site URLs", () => {
  it("builds the Host and fallback path of a site", () => {
    expect(siteHost({ namespace: "Tenants", script: "Blog" }, 8787)).toBe("blog.tenants.localhost:8787");
    expect(siteHost({ namespace: undefined, script: "landing" }, 1)).toBe("landing.localhost:1");
    expect(siteFallbackPath({ namespace: "tenants", script: "blog" })).toBe("/__sites/tenants/blog/");
    expect(siteFallbackPath({ namespace: undefined, script: "landing" })).toBe("/__sites/~account/landing/");
  });

  it("prefixes root-relative redirects only", () => {
    expect(prefixLocation("/about", "/__sites/t/s")).toBe("/__sites/t/s/about");
    expect(prefixLocation("//cdn.example/x", "/__sites/t/s")).toBe("//cdn.example/x");
    expect(prefixLocation("https://example.com/", "/__sites/t/s")).toBe("https://example.com/");
    expect(prefixLocation("next", "/__sites/t/s")).toBe("next");
  });
});
