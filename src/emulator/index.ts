/**
 * Local Cloudflare API emulator: dispatch namespaces, asset upload sessions, bucket/per-file uploads and script
 * PUT/GET/DELETE, with Cloudflare's envelopes, JWTs and limits — the product's offline backend and the test
 * backbone. Clients talk to it only through HTTP (point CLOUDFLARE_API_BASE_URL at `url`).
 */
import type { AddressInfo } from "node:net";
import type { FaultSpec } from "./harness/faults.js";
import { type EmulatorOptions, resolveOptions } from "./options.js";
import { assertServerDependencies } from "./peer-dependencies.js";
import type { EmulatorStats } from "./harness/stats.js";

export type { EmulatorOptions } from "./options.js";
export { EmulatorOptionsError } from "./options.js";
export type { FaultAction, FaultRule, FaultSpec } from "./harness/faults.js";
export type { AccountPlan } from "./model/file-limits.js";
export { FaultSpecError, parseFaultSpec } from "./harness/faults.js";
export type { AccountStats, EmulatorStats, ScriptStats, StoreStats } from "./harness/stats.js";
export { DataDirLockedError } from "./store/lock.js";
export type { RateLimitConfig, RateLimitStats, TokenRateStats } from "./protocol/rate-limit.js";
export { parseRateLimitSpec } from "./protocol/rate-limit.js";
export { EmulatorDependencyError } from "./peer-dependencies.js";

export interface RunningEmulator {
  /** http://host:port/client/v4 — the value for CLOUDFLARE_API_BASE_URL. */
  url: string;
  /** http://host:port */
  origin: string;
  port: number;
  dataDir: string;
  /** Accepted API tokens (the generated one when none was configured). */
  tokens: string[];
  stats(): Promise<EmulatorStats>;
  /** Replaces the fault rules (undefined clears them); counters and PRNG streams start afresh. */
  setFaults(spec: FaultSpec | string | undefined): void;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const config = resolveOptions(options);
  assertServerDependencies();
  // Loaded only now: they import the server-side peer dependencies checked above.
  const [{ EmulatorCore }, { API_PREFIX, createEmulatorServer }] = await Promise.all([import("./core.js"), import("./server.js")]);
  const core = await EmulatorCore.open(config);
  const { server, stop } = createEmulatorServer(core);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    await core.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const origin = `http://${host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url: `${origin}${API_PREFIX}`,
    origin,
    port,
    dataDir: core.dataDir,
    tokens: [...core.tokens],
    stats: () => core.stats(),
    setFaults: (spec) => core.setFaults(spec),
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await stop();
        await closed;
        await core.close();
      })();
      return closing;
    },
  };
}
