import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FaultSpecError, type RunningEmulator } from "../../../src/emulator/index.js";
import { ACCOUNT, TestClient, asset, manifestOf, start } from "../helpers.js";

let emu: RunningEmulator;
let client: TestClient;
beforeAll(async () => {
  ({ emu, client } = await start());
  await client.createNamespace("f");
});
afterEach(() => emu.setFaults(undefined));
afterAll(() => emu.close());

const listPath = `/accounts/${ACCOUNT}/workers/dispatch/namespaces`;

describe("injected faults over HTTP", () => {
  it.each([500, 502, 503, 504, 524])("answers %i with an error envelope", async (status) => {
    emu.setFaults(`GET namespaces=${status}*1`);
    const res = await client.call("GET", listPath);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ success: false, result: null, errors: [{ code: 10013 }] });
    expect((await client.call("GET", listPath)).status).toBe(200);
  });

  it("answers 429 with Retry-After", async () => {
    emu.setFaults("session=429:7");
    const res = await client.session({ namespace: "f" }, "s", {});
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(res.body.errors[0].code).toBe(971);
  });

  it("resets the connection", async () => {
    emu.setFaults("upload=reset");
    const a = asset("reset me");
    const session = await client.session({ namespace: "f" }, "reset", manifestOf({ "/a": a }));
    await expect(client.upload(session.body.result!.jwt, [a])).rejects.toThrow();
  });

  it("stalls without an answer, then drops the connection", async () => {
    emu.setFaults("GET namespaces=stall:0.5");
    await expect(client.call("GET", listPath)).rejects.toThrow();
  });

  it("adds latency but still answers", async () => {
    emu.setFaults("GET namespaces=latency:150");
    const started = Date.now();
    const res = await client.call("GET", listPath);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("answers an HTML 502 page (a non-JSON body)", async () => {
    emu.setFaults("put=html");
    const res = await client.putScript({ namespace: "f" }, "s", { main_module: "index.js" }, [{ name: "index.js", content: "x" }]);
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toBe("text/html");
    expect(res.body).toBeUndefined();
    expect(res.text).toContain("502 Bad Gateway");
  });

  it("answers result: null from the session route", async () => {
    emu.setFaults("session=null*1");
    const res = await client.session({ namespace: "f" }, "s", manifestOf({ "/a": asset("null") }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, errors: [], messages: [], result: null });
    expect((await client.session({ namespace: "f" }, "s", {})).body.result).not.toBeNull();
  });

  it("never returns the completion JWT with nocomplete, though the assets are stored", async () => {
    emu.setFaults("upload=nocomplete");
    const a = asset("never complete");
    const session = await client.session({ namespace: "f" }, "nc", manifestOf({ "/a": a }));
    const res = await client.upload(session.body.result!.jwt, [a]);
    expect(res.status).toBe(202);
    expect(res.body.result).toEqual({});
    emu.setFaults(undefined);
    const retry = await client.session({ namespace: "f" }, "nc", manifestOf({ "/a": a }));
    expect(retry.body.result!.buckets).toEqual([]);
  });

  it("injects before authentication, like an edge error", async () => {
    emu.setFaults("GET namespaces=503");
    expect((await client.call("GET", listPath, { auth: "none" })).status).toBe(503);
  });

  it("counts faulted requests in the stats", async () => {
    const before = (await emu.stats()).accounts[ACCOUNT]!.requests["GET namespace"] ?? 0;
    emu.setFaults("GET namespace=500,502");
    for (let i = 0; i < 3; i++) await client.call("GET", `${listPath}/f`);
    expect((await emu.stats()).accounts[ACCOUNT]!.requests["GET namespace"]).toBe(before + 3);
  });

  it("plays a seeded rate the same way in two emulators", async () => {
    const sequence = async () => {
      const { emu: e, client: c } = await start({ faults: "seed=99; GET namespaces=503@0.4" });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 25; i++) statuses.push((await c.call("GET", listPath)).status);
        return statuses;
      } finally {
        await e.close();
      }
    };
    const first = await sequence();
    expect(await sequence()).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 503]));
  });

  it("rejects a bad runtime spec and keeps the old one", async () => {
    emu.setFaults("GET namespaces=500");
    expect(() => emu.setFaults("GET namespaces=5000")).toThrow(FaultSpecError);
    expect((await client.call("GET", listPath)).status).toBe(500);
  });
});
