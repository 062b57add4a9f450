import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/index.js";
import { ACCOUNT, OTHER_ACCOUNT, TestClient, asset, manifestOf, tempDir } from "../helpers.js";

const RESTRICTED = "restricted-token-000000";
const OPEN = "open-token-00000000000";
let emu: RunningEmulator;
let client: TestClient;

beforeAll(async () => {
  emu = await startEmulator({
    tokens: [OPEN, { token: RESTRICTED, accounts: [ACCOUNT] }],
    legacyKeys: [
      { email: "Admin@Example.com", key: "legacy-key-1" },
      { email: "one@example.com", key: "legacy-key-2", accounts: [ACCOUNT] },
    ],
    log: () => {},
  });
  client = new TestClient(emu, OPEN);
});
afterAll(() => emu.close());

const list = (account = ACCOUNT) => `/accounts/${account}/workers/dispatch/namespaces`;

function expectAuthError(res: { status: number; body: any }) {
  expect(res.status).toBe(403);
  expect(res.body).toEqual({ success: false, errors: [{ code: 10000, message: "Authentication error" }], messages: [], result: null });
}

describe("API authentication", () => {
  it("accepts a configured bearer token", async () => {
    expect((await client.call("GET", list())).status).toBe(200);
  });

  it("refuses a missing credential", async () => {
    expectAuthError(await client.call("GET", list(), { auth: "none" }));
  });

  it("refuses a wrong token", async () => {
    expectAuthError(await client.call("GET", list(), { auth: { token: "not-a-token" } }));
  });

  it("refuses a malformed Authorization header", async () => {
    expectAuthError(await client.call("GET", list(), { auth: "none", headers: { authorization: `Token ${OPEN}` } }));
  });

  it("limits a restricted token to its accounts", async () => {
    expect((await client.call("GET", list(ACCOUNT), { auth: { token: RESTRICTED } })).status).toBe(200);
    expectAuthError(await client.call("GET", list(OTHER_ACCOUNT), { auth: { token: RESTRICTED } }));
    expect((await client.call("GET", list(OTHER_ACCOUNT), { auth: { token: OPEN } })).status).toBe(200);
  });

  it("answers a token without access 403 / 10000 on the script routes, never a 404 that reads as 'not found'", async () => {
    for (const path of [
      `/accounts/${OTHER_ACCOUNT}/workers/dispatch/namespaces/any-ns/scripts/any-script`,
      `/accounts/${OTHER_ACCOUNT}/workers/dispatch/namespaces/any-ns/scripts`,
      `/accounts/${OTHER_ACCOUNT}/workers/scripts/any-script/settings`,
    ]) {
      expectAuthError(await client.call("GET", path, { auth: { token: RESTRICTED } }));
    }
  });

  it("accepts legacy email + key (email case-insensitive) and refuses a wrong key", async () => {
    expect((await client.call("GET", list(), { auth: { email: "admin@example.COM", key: "legacy-key-1" } })).status).toBe(200);
    expectAuthError(await client.call("GET", list(), { auth: { email: "admin@example.com", key: "legacy-key-2" } }));
    expectAuthError(await client.call("GET", list(), { auth: "none", headers: { "x-auth-email": "admin@example.com" } }));
  });

  it("limits a restricted legacy key to its accounts", async () => {
    const auth = { email: "one@example.com", key: "legacy-key-2" };
    expect((await client.call("GET", list(ACCOUNT), { auth })).status).toBe(200);
    expectAuthError(await client.call("GET", list(OTHER_ACCOUNT), { auth }));
  });

  it("authenticates session routes with the API token, never with an upload JWT", async () => {
    await client.createNamespace("auth-ns");
    const a = asset("auth-file");
    const session = await client.session({ namespace: "auth-ns" }, "s", manifestOf({ "/a": a }));
    expect(session.status).toBe(200);
    const jwt = session.body.result!.jwt;
    const again = await client.call("POST", `${list()}/auth-ns/scripts/s/assets-upload-session`, { json: { manifest: {} }, auth: { bearer: jwt } });
    expectAuthError(again);
  });

  it("refuses the API token on upload routes (401, not the 403 of API routes)", async () => {
    const a = asset("upload-with-token");
    const res = await client.upload(OPEN, [a]);
    expect(res.status).toBe(401);
    expect(res.body.errors[0].code).toBe(10310);
  });

  it("checks credentials only after routing (unknown routes are 404 even without auth)", async () => {
    const res = await client.call("GET", `/accounts/${ACCOUNT}/no/such/route`, { auth: "none" });
    expect(res.status).toBe(404);
  });
});

describe("generated token", () => {
  it("is created, printed via tokens[], persisted, and reused on restart", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const first = await startEmulator({ dataDir: dir, log: () => {} });
      const token = first.tokens[0]!;
      expect(first.tokens).toHaveLength(1);
      expect(token.length).toBeGreaterThanOrEqual(20);
      expect((await new TestClient(first, token).call("GET", list())).status).toBe(200);
      await first.close();
      const second = await startEmulator({ dataDir: dir, log: () => {} });
      expect(second.tokens).toEqual([token]);
      expectAuthError(await new TestClient(second, "other").call("GET", list()));
      await second.close();
    } finally {
      await cleanup();
    }
  });
});
