import { describe, expect, it } from "vitest";
import {
  dispatchNamespaceListSchema,
  scriptInfoSchema,
  scriptResultSchema,
  uploadResultSchema,
  uploadSessionResultSchema,
} from "../../src/cloudflare/index.js";

describe("uploadSessionResultSchema", () => {
  it("defaults missing or null buckets to [] and drops an empty jwt", () => {
    expect(uploadSessionResultSchema.parse({ jwt: "j" })).toEqual({ jwt: "j", buckets: [] });
    expect(uploadSessionResultSchema.parse({ jwt: "j", buckets: null })).toEqual({ jwt: "j", buckets: [] });
    expect(uploadSessionResultSchema.parse({ jwt: "", buckets: [["a", "b"], ["c"]] })).toEqual({ jwt: undefined, buckets: [["a", "b"], ["c"]] });
  });
  it("rejects buckets of the wrong shape", () => {
    expect(uploadSessionResultSchema.safeParse({ jwt: "j", buckets: ["a"] }).success).toBe(false);
    expect(uploadSessionResultSchema.safeParse({ jwt: 5 }).success).toBe(false);
  });
});

describe("uploadResultSchema", () => {
  it("accepts the 202 {} and the 201 {jwt} answers", () => {
    expect(uploadResultSchema.parse({})).toEqual({ jwt: undefined });
    expect(uploadResultSchema.parse({ jwt: "completion" })).toEqual({ jwt: "completion" });
  });
});

describe("scriptResultSchema", () => {
  const answer = {
    id: "site",
    etag: "abc",
    has_assets: true,
    has_modules: false,
    created_on: "2026-01-01T00:00:00Z",
    modified_on: "2026-01-02T00:00:00Z",
    startup_time_ms: 3,
    deployment_id: "v1",
    something_new: { x: 1 },
  };
  it("keeps unknown fields and requires only what the schema promises (startup_time_ms)", () => {
    expect(scriptResultSchema.parse(answer)).toEqual(answer);
    // id, etag, has_assets, created_on, modified_on are optional in Cloudflare's schema (docs/cloudflare-api.md §15.3): the deploy reads
    // the script back when one is missing, rather than failing a deploy that was applied.
    expect(scriptResultSchema.safeParse({ startup_time_ms: 3 }).success).toBe(true);
    expect(scriptResultSchema.safeParse({ id: "x", etag: "e" }).success).toBe(false);
  });
});

describe("scriptInfoSchema", () => {
  it("reads the namespaced GET shape", () => {
    const info = scriptInfoSchema.parse({
      created_on: "c",
      modified_on: "m",
      dispatch_namespace: "tenants",
      script: { id: "site", etag: "e", has_assets: true, modified_on: "m2" },
    });
    expect(info).toMatchObject({ dispatch_namespace: "tenants", modified_on: "m", script: { id: "site", etag: "e", has_assets: true } });
  });
  it("normalises a flat account-route script object into the same shape", () => {
    const info = scriptInfoSchema.parse({ id: "site", etag: "e", has_assets: false, created_on: "c", modified_on: "m" });
    expect(info).toEqual({ created_on: "c", modified_on: "m", script: { id: "site", etag: "e", has_assets: false, created_on: "c", modified_on: "m" } });
  });
  it("rejects fields of the wrong type", () => {
    expect(scriptInfoSchema.safeParse({ script: { etag: 5 } }).success).toBe(false);
  });
});

describe("dispatchNamespaceListSchema", () => {
  it("parses namespaces and requires their names", () => {
    expect(dispatchNamespaceListSchema.parse([{ namespace_name: "tenants", namespace_id: "id", script_count: 2 }])).toEqual([
      { namespace_name: "tenants", namespace_id: "id", script_count: 2 },
    ]);
    expect(dispatchNamespaceListSchema.safeParse([{ namespace_id: "id" }]).success).toBe(false);
  });
});
