import { describe, expect, it } from "vitest";
import { Router } from "../../../src/emulator/protocol/router.js";

describe("Router", () => {
  const router = new Router<string>()
    .add({ method: "GET", pattern: "/accounts/:account/things", value: "list" })
    .add({ method: "POST", pattern: "/accounts/:account/things", value: "create" })
    .add({ method: "GET", pattern: "/accounts/:account/things/:name", value: "get" });

  it("matches method and pattern and decodes params", () => {
    const m = router.match("GET", "/accounts/abc/things/a%20b");
    expect(m).toMatchObject({ kind: "match", route: { value: "get" }, params: { account: "abc", name: "a b" } });
    expect(router.match("POST", "/accounts/abc/things")).toMatchObject({ kind: "match", route: { value: "create" } });
  });

  it("tells a wrong method from an unknown path", () => {
    expect(router.match("DELETE", "/accounts/abc/things")).toEqual({ kind: "method-not-allowed", allowed: ["GET", "POST"] });
    expect(router.match("GET", "/accounts/abc/other")).toEqual({ kind: "none" });
    expect(router.match("GET", "/accounts/abc/things/x/y")).toEqual({ kind: "none" });
  });

  it("matches nothing for malformed percent-encoding", () => {
    expect(router.match("GET", "/accounts/abc/things/%E0%A4%A")).toEqual({ kind: "none" });
  });
});
