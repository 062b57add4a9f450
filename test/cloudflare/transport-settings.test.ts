import { defaultLedgerDir } from "../../src/cloudflare/budget/ledger.js";
import { describe, expect, it } from "vitest";
import {
  CloudflareConfigError,
  defaultTransportSettings,
  formatWait,
  parseDurationMs,
  reservedCalls,
  resolveTransportSettings,
  TRANSPORT_SETTINGS,
  TransportSettingError,
} from "../../src/cloudflare/index.js";

describe("durations", () => {
  it("reads units, and a bare number as seconds", () => {
    expect(parseDurationMs("1500ms")).toBe(1500);
    expect(parseDurationMs("90s")).toBe(90_000);
    expect(parseDurationMs("1.5s")).toBe(1500);
    expect(parseDurationMs(" 5m ")).toBe(300_000);
    expect(parseDurationMs("1h")).toBe(3_600_000);
    expect(parseDurationMs("90")).toBe(90_000);
    expect(parseDurationMs(2)).toBe(2000);
    for (const bad of ["", "fast", "-5s", "5 minutes", "1e3", "s"]) expect(parseDurationMs(bad), bad).toBeUndefined();
    expect(parseDurationMs(-1)).toBeUndefined();
  });

  it("formats waits rounded up, in the unit a person reads", () => {
    expect(formatWait(11_001)).toBe("12 s");
    expect(formatWait(0)).toBe("0 s");
    expect(formatWait(300_000)).toBe("5 min");
    expect(formatWait(5_400_000)).toBe("90 min");
    expect(formatWait(12_600_000)).toBe("3 h 30 min");
    expect(formatWait(7_200_000)).toBe("2 h");
  });
});

describe("resolveTransportSettings", () => {
  it("has documented defaults", () => {
    expect(defaultTransportSettings()).toEqual({
      idleTimeoutMs: 120_000,
      requestTimeoutMs: undefined,
      retry: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 15_000, gatewayDelayMs: 5000 },
      uploadConcurrency: 3,
      budget: { limit: 1200, windowMs: 300_000, reserve: { percent: 5 }, perSecond: 100, countUploadCalls: true },
      rateLimitMaxWaitMs: 360_000,
    });
    // Every default is written in the form the variable accepts.
    for (const [key, spec] of Object.entries(TRANSPORT_SETTINGS)) {
      expect(() => resolveTransportSettings({ env: { [spec.env]: spec.default } }), key).not.toThrow();
    }
  });

  it("reads the environment, and the object wins over it", () => {
    const env = {
      WFP_ASSETS_IDLE_TIMEOUT: "60s",
      WFP_ASSETS_REQUEST_TIMEOUT: "30m",
      WFP_ASSETS_RETRY_ATTEMPTS: "8",
      WFP_ASSETS_RETRY_DELAY: "250ms",
      WFP_ASSETS_RETRY_MAX_DELAY: "1m",
      WFP_ASSETS_GATEWAY_DELAY: "2s",
      WFP_ASSETS_UPLOAD_CONCURRENCY: "1",
      WFP_ASSETS_API_BUDGET: "60/10",
      WFP_ASSETS_API_BUDGET_RESERVE: "6",
      WFP_ASSETS_API_PER_SECOND: "off",
      WFP_ASSETS_COUNT_UPLOAD_CALLS: "false",
      WFP_ASSETS_API_BUDGET_SHARE: "on",
      WFP_ASSETS_RATE_LIMIT_WAIT: "15m",
    };
    expect(resolveTransportSettings({ env })).toEqual({
      idleTimeoutMs: 60_000,
      requestTimeoutMs: 1_800_000,
      retry: { maxAttempts: 8, baseDelayMs: 250, maxDelayMs: 60_000, gatewayDelayMs: 2000 },
      uploadConcurrency: 1,
      budget: { limit: 60, windowMs: 10_000, reserve: { calls: 6 }, perSecond: undefined, countUploadCalls: false, shareDir: defaultLedgerDir(env) },
      rateLimitMaxWaitMs: 900_000,
    });
    const mixed = resolveTransportSettings({ env, input: { idleTimeout: "90s", apiBudget: "1200/5m", uploadConcurrency: 4, countUploadCalls: true, apiBudgetReserve: "" } });
    expect(mixed.idleTimeoutMs).toBe(90_000);
    expect(mixed.uploadConcurrency).toBe(4);
    // An empty value counts as unset: the environment's reserve applies.
    expect(mixed.budget).toEqual({ limit: 1200, windowMs: 300_000, reserve: { calls: 6 }, perSecond: undefined, countUploadCalls: true, shareDir: defaultLedgerDir(env) });
    expect(resolveTransportSettings({ env, input: { apiBudget: "off" } }).budget).toBeUndefined();
    expect(resolveTransportSettings({ env: {}, input: { apiBudget: false, requestTimeout: "off" } })).toMatchObject({ budget: undefined, requestTimeoutMs: undefined });
  });

  it("names the setting, the value and the accepted form of a bad value", () => {
    const cases: [Parameters<typeof resolveTransportSettings>[0], RegExp][] = [
      [{ env: { WFP_ASSETS_IDLE_TIMEOUT: "fast" } }, /^WFP_ASSETS_IDLE_TIMEOUT must be a duration such as 90s, 5m or 1500ms .* \(got "fast"\)\.$/],
      [{ env: { WFP_ASSETS_API_BUDGET: "1200 per 5m" } }, /^WFP_ASSETS_API_BUDGET must be "off" or <calls>\/<window>.* \(got "1200 per 5m"\)/],
      [{ input: { retryAttempts: 0 }, env: {} }, /^`retryAttempts` must be a whole number of tries from 1 to 20.* \(got 0\)/],
      [{ input: { uploadConcurrency: "2.5" }, env: {} }, /^`uploadConcurrency` must be a whole number from 1 to 50 \(got "2.5"\)/],
      [{ env: { WFP_ASSETS_API_BUDGET_RESERVE: "100%" } }, /^WFP_ASSETS_API_BUDGET_RESERVE must be .*percentage.* \(got "100%"\)/],
      [{ env: { WFP_ASSETS_API_BUDGET: "10/60", WFP_ASSETS_API_BUDGET_RESERVE: "10" } }, /^WFP_ASSETS_API_BUDGET_RESERVE must be fewer calls than the budget's limit \(10\)/],
      [{ env: { WFP_ASSETS_COUNT_UPLOAD_CALLS: "maybe" } }, /^WFP_ASSETS_COUNT_UPLOAD_CALLS must be true or false \(got "maybe"\)/],
      [{ env: { WFP_ASSETS_API_PER_SECOND: "fast" } }, /^WFP_ASSETS_API_PER_SECOND must be "off" or a whole number/],
      // Switched-off features still have their settings checked.
      [{ env: { WFP_ASSETS_API_BUDGET: "off", WFP_ASSETS_RATE_LIMIT_WAIT: "long" } }, /^WFP_ASSETS_RATE_LIMIT_WAIT must be/],
    ];
    for (const [options, message] of cases) {
      let error: unknown;
      try {
        resolveTransportSettings(options);
      } catch (e) {
        error = e;
      }
      expect(error, String(message)).toBeInstanceOf(TransportSettingError);
      expect(error).toBeInstanceOf(CloudflareConfigError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it("refuses unknown keys and values of the wrong type in the object", () => {
    expect(() => resolveTransportSettings({ env: {}, input: { idleTimout: "5s" } as never })).toThrow(/Unknown transport setting `idleTimout`; known settings: idleTimeout,/);
    expect(() => resolveTransportSettings({ env: {}, input: { idleTimeout: { s: 5 } } as never })).toThrow(/`idleTimeout` must be a duration/);
  });
});

describe("reservedCalls", () => {
  it("takes a share (rounded down) or a count, and always leaves one call usable", () => {
    expect(reservedCalls({ percent: 5 }, 1200)).toBe(60);
    expect(reservedCalls({ percent: 5 }, 60)).toBe(3);
    expect(reservedCalls({ percent: 5 }, 10)).toBe(0);
    expect(reservedCalls({ calls: 100 }, 1200)).toBe(100);
    expect(reservedCalls({ calls: 100 }, 4)).toBe(3);
  });
});
