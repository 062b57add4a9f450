import { describe, expect, it } from "vitest";
import { routes } from "../../src/cloudflare/index.js";

const a = "0123456789abcdef0123456789abcdef";

describe("routes", () => {
  it("builds account-route script paths", () => {
    const t = { accountId: a, scriptName: "site" };
    expect(routes.scriptPath(t)).toBe(`/accounts/${a}/workers/scripts/site`);
    expect(routes.scriptSettingsPath(t)).toBe(`/accounts/${a}/workers/scripts/site/settings`);
    expect(routes.scriptContentPath(t)).toBe(`/accounts/${a}/workers/scripts/site/content`);
    expect(routes.uploadSessionPath(t)).toBe(`/accounts/${a}/workers/scripts/site/assets-upload-session`);
    expect(routes.accountScriptsPath(a)).toBe(`/accounts/${a}/workers/scripts`);
  });

  it("builds dispatch-namespace paths when a namespace is given", () => {
    const t = { accountId: a, namespace: "tenants", scriptName: "site" };
    const base = `/accounts/${a}/workers/dispatch/namespaces/tenants/scripts/site`;
    expect(routes.scriptPath(t)).toBe(base);
    expect(routes.scriptSettingsPath(t)).toBe(`${base}/settings`);
    expect(routes.scriptContentPath(t)).toBe(`${base}/content`);
    expect(routes.uploadSessionPath(t)).toBe(`${base}/assets-upload-session`);
    expect(routes.namespacesPath(a)).toBe(`/accounts/${a}/workers/dispatch/namespaces`);
    expect(routes.namespacePath(a, "tenants")).toBe(`/accounts/${a}/workers/dispatch/namespaces/tenants`);
    expect(routes.namespaceScriptsPath(a, "tenants")).toBe(`/accounts/${a}/workers/dispatch/namespaces/tenants/scripts`);
  });

  it("keeps uploads on the account route", () => {
    expect(routes.bulkUploadPath(a)).toBe(`/accounts/${a}/workers/assets/upload?base64=true`);
    expect(routes.fileUploadPath(a, "0123456789abcdef0123456789abcdef")).toBe(`/accounts/${a}/workers/assets/upload/0123456789abcdef0123456789abcdef`);
  });

  it("percent-encodes every caller-supplied segment", () => {
    expect(routes.scriptPath({ accountId: "a/../b", namespace: "n s", scriptName: "x?y#z" })).toBe(
      "/accounts/a%2F..%2Fb/workers/dispatch/namespaces/n%20s/scripts/x%3Fy%23z",
    );
    expect(routes.fileUploadPath(a, "../h")).toBe(`/accounts/${a}/workers/assets/upload/..%2Fh`);
  });

  it("refuses an empty namespace instead of silently using the account route", () => {
    expect(() => routes.scriptPath({ accountId: a, namespace: "", scriptName: "site" })).toThrow(/namespace/);
  });
});
