/**
 * A fleet within Cloudflare's real API budget, through the real CLI: the emulator enforces a small rate limit the way
 * Cloudflare enforces 1,200 calls per 5 minutes (past it, every call is blocked), and the stack — one provider
 * process pacing all its resources together — deploys and refreshes without a single 429 (25 tenants need more calls
 * than one window allows); a 429 with a long
 * Retry-After is waited out instead of failing; a bucket on a slow link uploads without a timeout while bytes flow.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { EMULATOR_ACCOUNT, emulatorAdmin, servedBody } from "../fixtures/emulator.mjs";
import { seededBytes } from "../fixtures/sites.mjs";
import { startThrottledLink, type ThrottledLink } from "../fixtures/throttled-link.mjs";
import { guardSecrets, PulumiProject, pulumiBinDir } from "./pulumi-project.js";

const TOKEN = "e2e-fleet-token-8d0e";
const NS = "fleet";
const TENANTS = Array.from({ length: 25 }, (_, i) => `tenant-${String(i + 1).padStart(2, "0")}`);
/** The emulator's limit: 60 calls per 10 s per token, then every call is blocked for 20 s. */
const RATE_LIMIT = { requests: 60, windowSeconds: 10, blockSeconds: 20, countUploads: true };

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { TenantSites } from "pulumi-wfp-assets";

const c = new pulumi.Config("fleet");
const fleet = new TenantSites("fleet", { accountId: c.require("accountId"), namespace: c.require("namespace"), sitesDirectory: "sites" });
export const tenants = Object.keys(fleet.sites).length;
`;

let emulator: RunningEmulator;
let fleet: PulumiProject;

async function rateStats() {
  const stats = await emulator.stats();
  return stats.rateLimit!;
}

beforeAll(async () => {
  await pulumiBinDir();
  emulator = await startEmulator({ tokens: [TOKEN], rateLimit: RATE_LIMIT });
  await emulatorAdmin({ url: emulator.url, token: TOKEN }).createNamespace(NS);
  const files: Record<string, string> = {};
  for (const tenant of TENANTS) {
    files[`sites/${tenant}/public/index.html`] = `<h1>${tenant}</h1>`;
    files[`sites/${tenant}/public/about.html`] = `<p>about ${tenant}</p>`;
  }
  fleet = await PulumiProject.create({
    name: "wfp-fleet",
    program: PROGRAM,
    files,
    env: {
      CLOUDFLARE_API_BASE_URL: emulator.url,
      CLOUDFLARE_API_TOKEN: TOKEN,
      // The client's budget matches the emulator's limit (the default is Cloudflare's 1,200 per 300 s).
      WFP_ASSETS_API_BUDGET: `${RATE_LIMIT.requests}/${RATE_LIMIT.windowSeconds}`,
    },
  });
  fleet.secrets.add(TOKEN);
  await fleet.initStack("dev", { "fleet:accountId": EMULATOR_ACCOUNT, "fleet:namespace": NS });
}, 45 * 60_000);

afterAll(async () => {
  await fleet?.dispose();
  await emulator?.close();
});

describe("a fleet under Cloudflare's rate limit", { timeout: 600_000 }, () => {
  guardSecrets(() => [fleet]);

  it("deploys every tenant without one 429, pacing itself over several windows", async () => {
    const started = Date.now();
    const up = await fleet.ok(["up", "--yes", "--parallel", "25"]);
    const seconds = (Date.now() - started) / 1000;
    expect(up.output).toMatch(new RegExp(`${TENANTS.length + 3} created`));
    const rate = await rateStats();
    expect(rate.throttled).toBe(0);
    expect(rate.blocks).toBe(0);
    const calls = Object.values(rate.tokens)[0]!.history.reduce((n, w) => n + w.calls, 0) + Object.values(rate.tokens)[0]!.window.calls;
    // More calls than one window allows, so the budget really paced the stack (and the run took more than a window).
    expect(calls).toBeGreaterThan(RATE_LIMIT.requests);
    expect(seconds).toBeGreaterThan(RATE_LIMIT.windowSeconds);
    expect(up.output).toMatch(/waiting [^:]+ for the API budget/);
    for (const tenant of TENANTS) expect(await servedBody(emulator.origin, NS, tenant)).toBe(`<h1>${tenant}</h1>`);
  });

  it("refreshes the whole fleet with one namespace listing (and one owner-tag listing) per pass", async () => {
    const before = (await emulator.stats()).accounts[EMULATOR_ACCOUNT]!.requests;
    const refresh = await fleet.ok(["refresh", "--yes"]);
    expect(refresh.output).toMatch(new RegExp(`${TENANTS.length + 3} unchanged`));
    const after = (await emulator.stats()).accounts[EMULATOR_ACCOUNT]!.requests;
    // `pulumi refresh --yes` reads twice, in its preview and then for real (two provider processes): one listing each,
    // for all 25 tenants, and no script read one by one. The engine also diffs during a refresh, so TenantSites's
    // orphan watch lists the scripts with this stack's owner tag once per pass too (README "Orphans"): 2 + 2.
    expect((after["GET namespace-scripts"] ?? 0) - (before["GET namespace-scripts"] ?? 0)).toBe(4);
    expect((after["GET namespace-script"] ?? 0) - (before["GET namespace-script"] ?? 0)).toBe(0);
    expect((await rateStats()).throttled).toBe(0);
  });

  it("waits out a 429 with a long Retry-After instead of failing", async () => {
    await fleet.write(`sites/${TENANTS[0]}/public/index.html`, "<h1>changed</h1>");
    emulator.setFaults("PUT namespace-script=429:8*1");
    const started = Date.now();
    const up = await fleet.ok(["up", "--yes"]);
    emulator.setFaults(undefined);
    expect(Date.now() - started).toBeGreaterThan(8_000);
    expect(up.output).toMatch(/1 updated/);
    expect(up.output).toMatch(/the API answered 429/);
    expect(await servedBody(emulator.origin, NS, TENANTS[0]!)).toBe("<h1>changed</h1>");
  });
});

describe("a large bucket on a slow link", { timeout: 600_000 }, () => {
  let link: ThrottledLink;
  let slow: PulumiProject;
  guardSecrets(() => [slow]);

  beforeAll(async () => {
    // 2 MiB/s up: the 12 MiB file (16 MiB as base64) takes about 8 s to send, far longer than the idle timeout below.
    link = await startThrottledLink(emulator.origin, 2 * 1024 * 1024);
    slow = await PulumiProject.create({
      name: "wfp-slow-link",
      program: `
import { UserWorkerAssets } from "pulumi-wfp-assets";
const site = new UserWorkerAssets("big", { accountId: "${EMULATOR_ACCOUNT}", namespace: "${NS}", scriptName: "big", directory: "public" });
export const uploaded = site.uploadedBytes;
`,
      files: { "public/index.html": "<h1>big</h1>", "public/video.bin": seededBytes("slow-link", 12 * 1024 * 1024) },
      env: { CLOUDFLARE_API_BASE_URL: `${link.origin}/client/v4`, CLOUDFLARE_API_TOKEN: TOKEN, WFP_ASSETS_IDLE_TIMEOUT: "3s", WFP_ASSETS_API_BUDGET: "off" },
    });
    slow.secrets.add(TOKEN);
    await slow.initStack("dev");
  });

  afterAll(async () => {
    await slow?.dispose();
    await link?.close();
  });

  it("uploads without a timeout while bytes flow", async () => {
    const started = Date.now();
    const up = await slow.ok(["up", "--yes"]);
    expect((Date.now() - started) / 1000).toBeGreaterThan(6);
    expect(up.output).not.toMatch(/timeout|retry/i);
    expect(link.bytesUp).toBeGreaterThan(16 * 1024 * 1024);
    expect(await servedBody(emulator.origin, NS, "big")).toBe("<h1>big</h1>");
  });
});
