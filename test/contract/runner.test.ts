/**
 * The contract suite against the emulator, inside `npm test`: the emulator must answer as Cloudflare documents it
 * (so the suite cannot rot, and neither can the emulator), within the call budget, and the scratch namespace goes
 * away at the end — also when a check fails or the budget runs out.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  CLEANUP_ID,
  CLEANUP_RESERVE,
  CONTRACT_CALL_BUDGET,
  CONTRACT_CHECKS,
  CallBudget,
  type CheckResult,
  type ContractCheck,
  type ContractTarget,
  runContract,
} from "../../src/contract/index.js";
import { emulatorTarget } from "../../src/cli/contract-emulator.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { EMULATOR_ACCOUNT, fetchSite } from "../fixtures/emulator.mjs";

const failures = (results: CheckResult[]) => results.filter((r) => r.status !== "passed").map((r) => `${r.id} (${r.status}): ${r.problems.join("; ")}`);

let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});

async function emulatorWith(options: Parameters<typeof startEmulator>[0]): Promise<{ emu: RunningEmulator; target: ContractTarget }> {
  const emu = await startEmulator({ rateLimit: true, ...options });
  closers.push(() => emu.close());
  return { emu, target: { kind: "emulator", baseUrl: emu.url, token: emu.tokens[0]!, accountId: EMULATOR_ACCOUNT } };
}

async function namespacesLeft(emu: RunningEmulator): Promise<string[]> {
  return Object.keys((await emu.stats()).accounts[EMULATOR_ACCOUNT]?.namespaces ?? {});
}

describe("the contract suite against the emulator", () => {
  it("declares at most the call budget, cleanup reserve included", () => {
    const declared = CONTRACT_CHECKS.reduce((sum, c) => sum + c.maxCalls, 0);
    expect(declared + CLEANUP_RESERVE).toBeLessThanOrEqual(CONTRACT_CALL_BUDGET);
  });

  it("passes every check on an emulator started the way the CLI starts it, in at most 60 calls, and deletes its namespace", async () => {
    const { target, close } = await emulatorTarget();
    closers.push(close);
    const report = await runContract(target);
    expect(failures(report.results)).toEqual([]);
    expect(report.results.map((r) => r.id)).toEqual([...CONTRACT_CHECKS.map((c) => c.id), CLEANUP_ID]);
    expect(report.callsUsed).toBeLessThanOrEqual(CONTRACT_CALL_BUDGET);
    expect(report.callsUsed).toBe(report.results.reduce((sum, r) => sum + r.calls, 0));
    expect(report.leftover).toBeUndefined();
  });

  it("counts every request the emulator received, and what a visitor gets after keep_assets is the kept site with the new config", async () => {
    const { emu, target } = await emulatorWith({});
    let served: Awaited<ReturnType<typeof fetchSite>>[] = [];
    // A check that makes no API call: it looks at the site the emulator serves right after the keep_assets PUT.
    const visit: ContractCheck = {
      id: "visit",
      title: "visit the site after keep_assets",
      maxCalls: 0,
      needs: ["keep-assets"],
      async run({ names }) {
        const site = { namespace: names.namespace, script: names.codeScript };
        served = [await fetchSite(emu.origin, site, "/"), await fetchSite(emu.origin, site, "/some/route")];
      },
    };
    const checks = CONTRACT_CHECKS.flatMap((c) => (c.id === "keep-assets" ? [c, visit] : [c]));
    const report = await runContract(target, { checks, runId: "0badc0de" });
    expect(failures(report.results)).toEqual([]);
    // The files uploaded before keep_assets, with the config sent alongside it (single-page-application).
    expect(served.map((s) => s.status)).toEqual([200, 200]);
    expect(served[0]!.body).toContain("wfp-assets contract 0badc0de");
    expect(served[1]!.body).toBe(served[0]!.body);
    const requests = (await emu.stats()).accounts[EMULATOR_ACCOUNT]!.requests;
    expect(Object.values(requests).reduce((a, b) => a + b, 0)).toBe(report.callsUsed);
    expect(await namespacesLeft(emu)).toEqual([]);
  });

  it("deletes the scratch namespace when a check fails", async () => {
    const { emu, target } = await emulatorWith({ faults: "put=500" });
    const report = await runContract(target);
    const byId = Object.fromEntries(report.results.map((r) => [r.id, r]));
    expect(byId["script-put-code"]!.status).toBe("failed");
    expect(byId["script-put-code"]!.problems.join("\n")).toMatch(/PUT script: HTTP 500/);
    expect(byId["script-get"]!.status).toBe("skipped");
    expect(byId[CLEANUP_ID]!.status).toBe("passed");
    expect(report.leftover).toBeUndefined();
    expect(await namespacesLeft(emu)).toEqual([]);
  });

  it("finds an emulator without its rate limit wanting: no Ratelimit headers to judge", async () => {
    const { emu, target } = await emulatorWith({ rateLimit: false });
    const checks = CONTRACT_CHECKS.filter((c) => ["namespace-create", "namespace-get", "rate-limit-headers"].includes(c.id));
    const report = await runContract(target, { checks });
    expect(failures(report.results)).toEqual([expect.stringMatching(/^rate-limit-headers \(failed\): #1 POST \/accounts\/.*: Ratelimit header null, expected "default";r=<remaining>;t=<seconds>/)]);
    expect(await namespacesLeft(emu)).toEqual([]);
  });

  it("on an abort, skips the checks not yet started and still deletes the namespace", async () => {
    const { emu, target } = await emulatorWith({});
    const interrupt = new AbortController();
    const report = await runContract(target, { signal: interrupt.signal, onResult: (r) => r.id === "upload-session" && interrupt.abort() });
    const statuses = Object.fromEntries(report.results.map((r) => [r.id, r.status]));
    expect(statuses).toMatchObject({ "namespace-create": "passed", "upload-session": "passed", "bucket-uploads": "skipped", "rate-limit-headers": "skipped", [CLEANUP_ID]: "passed" });
    expect(report.results.find((r) => r.id === "bucket-uploads")!.problems).toEqual(["interrupted"]);
    expect(await namespacesLeft(emu)).toEqual([]);
  });

  it("stops before a check the budget cannot pay for, still cleans up, and never goes over", async () => {
    const { emu, target } = await emulatorWith({});
    const report = await runContract(target, { budget: new CallBudget(12, CLEANUP_RESERVE) });
    const refused = report.results.find((r) => r.status === "failed")!;
    expect(refused.problems[0]).toMatch(/only \d+ are left of the suite's budget of 12/);
    const after = report.results.slice(report.results.indexOf(refused) + 1).filter((r) => r.id !== CLEANUP_ID);
    expect(after.every((r) => r.status === "skipped")).toBe(true);
    expect(report.results.find((r) => r.id === CLEANUP_ID)!.status).toBe("passed");
    expect(report.callsUsed).toBeLessThanOrEqual(12);
    expect(await namespacesLeft(emu)).toEqual([]);
  });
});
