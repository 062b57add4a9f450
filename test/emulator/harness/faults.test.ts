import { describe, expect, it } from "vitest";
import { FaultInjector, FaultSpecError, parseFaultSpec } from "../../../src/emulator/harness/faults.js";

describe("parseFaultSpec (compact syntax)", () => {
  it("parses globals, rates, bounded counts, skips and sequences", () => {
    expect(parseFaultSpec("seed=42; jwt=5; upload=503@0.25; session=null*1; put=429:3,ok,reset; PUT namespace-script=latency:20+2; upload=stall:1.5")).toEqual({
      seed: 42,
      jwtLifetimeSeconds: 5,
      rules: [
        { route: "upload", action: { type: "status", status: 503 }, rate: 0.25 },
        { route: "session", action: { type: "null-result" }, times: 1 },
        { route: "put", sequence: [{ type: "rate-limit", retryAfterSeconds: 3 }, { type: "pass" }, { type: "reset" }] },
        { route: "PUT namespace-script", action: { type: "latency", ms: 20 }, after: 2 },
        { route: "upload", action: { type: "stall", seconds: 1.5 } },
      ],
    });
  });

  it("knows every action word", () => {
    const spec = parseFaultSpec("*=500,502,503,504,524,429,reset,stall:2,latency:5,html,ok; upload=nocomplete");
    const rule = spec.rules![0]!;
    expect("sequence" in rule && rule.sequence.map((a) => a.type)).toEqual(["status", "status", "status", "status", "status", "rate-limit", "reset", "stall", "latency", "html", "pass"]);
    expect(spec.rules![1]).toEqual({ route: "upload", action: { type: "no-completion" } });
  });

  it("accepts JSON and typed objects", () => {
    const json = '{"seed":3,"rules":[{"route":"session","action":{"type":"status","status":500},"times":2}]}';
    expect(parseFaultSpec(json)).toEqual(JSON.parse(json));
    expect(parseFaultSpec({ rules: [{ route: "upload", sequence: [{ type: "html" }] }] })).toEqual({ rules: [{ route: "upload", sequence: [{ type: "html" }] }] });
  });

  it.each([
    ["an unknown route", "uploads=503", /unknown route "uploads"/],
    ["an unknown action", "upload=418", /unknown action "418"/],
    ["a rate above 1", "upload=503@1.5", /rate/],
    ["a missing stall duration", "upload=stall", /needs seconds/],
    ["a non-numeric seed", "seed=abc", /seed must be an integer/],
    ["an item without =", "upload", /KEY=VALUE/],
    ["null outside session routes", "upload=null", /only to session routes/],
    ["nocomplete outside upload routes", "*=nocomplete", /only to upload routes/],
    ["broken JSON", "{nope", /JSON does not parse/],
    ["a JSON status that is not a gateway error", '{"rules":[{"route":"upload","action":{"type":"status","status":404}}]}', /rules\.0/],
    ["unknown JSON keys", '{"rulez":[]}', /Unrecognized key|unrecognized/i],
  ])("rejects %s with a clear FaultSpecError", (_label, spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(FaultSpecError);
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });
});

describe("FaultInjector", () => {
  const types = (injector: FaultInjector, route: string, n: number) => Array.from({ length: n }, () => injector.decide(route).action?.type ?? "-");

  it("plays a sequence once, then passes", () => {
    const injector = new FaultInjector(parseFaultSpec("upload=503,ok,reset"));
    expect(types(injector, "POST /workers/assets/upload", 5)).toEqual(["status", "-", "reset", "-", "-"]);
  });

  it("honours times and after", () => {
    const injector = new FaultInjector(parseFaultSpec("session=500*2+1"));
    expect(types(injector, "POST namespace-assets-upload-session", 5)).toEqual(["-", "status", "status", "-", "-"]);
  });

  it("only counts requests to the selected routes", () => {
    const injector = new FaultInjector(parseFaultSpec("put=502*1"));
    expect(injector.decide("POST /workers/assets/upload").action).toBeUndefined();
    expect(injector.decide("PUT account-script").action).toEqual({ type: "status", status: 502 });
    expect(injector.decide("PUT namespace-script").action).toBeUndefined();
  });

  it("gives the same sequence for the same seed and another for another seed", () => {
    const run = (seed: number) => types(new FaultInjector(parseFaultSpec(`seed=${seed}; upload=503@0.5`)), "POST /workers/assets/upload", 64).join(",");
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
    const fired = run(7).split(",").filter((t) => t === "status").length;
    expect(fired).toBeGreaterThan(10);
    expect(fired).toBeLessThan(54);
  });

  it("adds latency and still applies the first other fault", () => {
    const injector = new FaultInjector(parseFaultSpec("*=latency:10; upload=latency:5; upload=504; upload=500"));
    expect(injector.decide("POST /workers/assets/upload")).toEqual({ latencyMs: 15, action: { type: "status", status: 504 } });
    expect(injector.decide("GET namespaces")).toEqual({ latencyMs: 10 });
  });

  it("exposes the spec's JWT lifetime", () => {
    expect(new FaultInjector(parseFaultSpec("jwt=2")).jwtLifetimeSeconds).toBe(2);
    expect(new FaultInjector().jwtLifetimeSeconds).toBeUndefined();
  });
});
