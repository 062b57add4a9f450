/**
 * deployAssets and the transport settings, against the emulator: waits for the API budget become one progress
 * line per wait (whichever of the deploy's requests waits), and upload concurrency comes from the client's
 * settings unless the deploy overrides it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RequestBudget, resolveTransportSettings, type TransportSettingsInput } from "../../src/cloudflare/index.js";
import { deployAssets } from "../../src/deploy/index.js";
import { ACCOUNT, ProgressRecorder, site, startHarness, type Harness } from "../reliability/harness.js";

let h: Harness;

beforeAll(async () => {
  // Two files per bucket: a 12-file site makes several buckets.
  h = await startHarness({ maxBucketFiles: 2 });
  await h.createNamespace("transport");
});
afterAll(async () => {
  await h?.close();
});

const settings = (input: TransportSettingsInput) => resolveTransportSettings({ env: {}, input });

describe("deployAssets with transport settings", () => {
  it("reports a wait for the API budget once, as a progress line naming the budget", async () => {
    const built = await site(h, "budget-wait", { files: 1, tenant: "budget-wait" });
    // A budget of its own (not the process-wide one of the emulator's origin, which the harness also uses).
    const transport = settings({ apiBudget: "2/2s", apiBudgetReserve: "0", apiPerSecond: "off" });
    const client = h.client({ transport, budget: new RequestBudget(transport.budget) });
    const progress = new ProgressRecorder();
    const target = { accountId: ACCOUNT, namespace: "transport", scriptName: "budget-wait" };
    const result = await deployAssets(client, { target, assets: built }, { onProgress: progress.listener });
    expect(result.script.hasAssets).toBe(true);
    // Session and one bucket use the two calls; the script PUT (announced by "script") waits for the window.
    expect(progress.events.map((e) => e.type)).toEqual(["session", "bucket", "script", "budget-wait", "done"]);
    expect(progress.lines[3]).toBe("waiting 2 s for the API budget: 2 calls per 2 s");
  });

  it("takes the upload concurrency from the client's settings; DeployOptions.transport overrides it", async () => {
    const built = await site(h, "concurrency", { files: 12, tenant: "concurrency" });
    const target = { accountId: ACCOUNT, namespace: "transport", scriptName: "concurrency" };
    h.emu.setFaults("upload=latency:80");
    try {
      const serial = h.client({ transport: settings({ uploadConcurrency: 1 }) });
      await deployAssets(serial, { target, assets: built });
      expect(serial.uploads.length).toBeGreaterThan(2);
      expect(serial.uploads.map((u) => u.inFlightAtStart)).toEqual(serial.uploads.map(() => 0));

      const rebuilt = await site(h, "concurrency-2", { files: 12, tenant: "concurrency-2" });
      const parallel = h.client({ transport: settings({ uploadConcurrency: 1 }) });
      await deployAssets(parallel, { target, assets: rebuilt }, { transport: { uploadConcurrency: 3 } });
      expect(Math.max(...parallel.uploads.map((u) => u.inFlightAtStart))).toBeGreaterThanOrEqual(1);
    } finally {
      h.emu.setFaults(undefined);
    }
  });
});
