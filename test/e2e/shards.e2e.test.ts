/**
 * A fleet sharded over several stacks of one project on one Postgres backend, through the real CLI: the shards deploy
 * as parallel `pulumi up` processes on one token, pacing as one below the emulator's (small) rate limit — zero 429s;
 * then the fleet goes from 2 to 3 shards (and one tenant is overridden into another shard), the stacks run one after
 * the other so that some tenants move old-owner-first and others new-owner-first, and after every step every tenant's
 * site serves its page; at the end each tenant carries its new shard's owner tag, each stack's state holds exactly its
 * shard's tenants, and a parallel preview of all shards changes nothing and warns about no orphan.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { hashShard } from "../../src/rules/shards.js";
import { EMULATOR_ACCOUNT, emulatorAdmin, servedBody } from "../fixtures/emulator.mjs";
import { startTestPostgres, type TestPostgres } from "../platform-service/postgres.js";
import { guardSecrets, PulumiProject, pulumiBinDir, type ExportedDeployment, type RunResult } from "./pulumi-project.js";

const TOKEN = "e2e-shards-token-5c1a";
const NS = "sharded";
const PROJECT = "wfp-shards";
/** 30 calls per 10 s per token: the two shards' cold deploys need more than one window, so they must pace together. */
const RATE_LIMIT = { requests: 30, windowSeconds: 10, blockSeconds: 20, countUploads: true };

/** 10 tenants whose K = 2 → 3 split moves some from shard 1 and some from shard 2 into shard 3 (picked by the hash). */
function pickTenants(): string[] {
  const picked: string[] = [];
  const moves = { from1: 0, from2: 0 };
  for (let i = 0; picked.length < 10; i++) {
    const name = `tenant-${String(i).padStart(3, "0")}`;
    const [before, after] = [hashShard(name, 2), hashShard(name, 3)];
    const moving = before !== after;
    if (moving && (before === 1 ? moves.from1 : moves.from2) >= 2) continue;
    if (moving) moves[before === 1 ? "from1" : "from2"]++;
    picked.push(name);
  }
  return picked;
}
const TENANTS = pickTenants();
/** Hashes to shard 2 both at K = 2 and K = 3; its tenant.json then moves it to shard 1. */
const OVERRIDDEN = TENANTS.find((t) => hashShard(t, 2) === 2 && hashShard(t, 3) === 2)!;

/** Plain JavaScript: no TypeScript compile per run, as the test runs the CLI a dozen times. */
const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { TenantSites } = require("pulumi-wfp-assets");

const c = new pulumi.Config("fleet");
const fleet = new TenantSites("fleet", { accountId: c.require("accountId"), namespace: c.require("namespace"), sitesDirectory: "sites" });
exports.tenants = Object.keys(fleet.sites).sort();
`;

let emulator: RunningEmulator;
let postgres: TestPostgres;
let project: PulumiProject;
let backend: string;

const page = (tenant: string) => `<h1>${tenant}</h1>`;

async function servedPages(): Promise<Record<string, string | undefined>> {
  return Object.fromEntries(await Promise.all(TENANTS.map(async (t) => [t, await servedBody(emulator.origin, NS, t)] as const)));
}

async function expectEverySiteServed(step: string): Promise<void> {
  expect({ step, pages: await servedPages() }).toEqual({ step, pages: Object.fromEntries(TENANTS.map((t) => [t, page(t)])) });
}

async function owners(): Promise<Record<string, string | undefined>> {
  const scripts = (await emulator.stats()).accounts[EMULATOR_ACCOUNT]!.namespaces[NS]!.scripts;
  return Object.fromEntries(TENANTS.map((t) => [t, scripts[t]?.tags.find((tag) => tag.startsWith("wfp-owner="))]));
}

function tenantsInState(deployment: ExportedDeployment | undefined): string[] {
  return (deployment?.resources ?? [])
    .filter((r) => r.type.endsWith("UserWorkerAssets"))
    .map((r) => String(r.outputs?.scriptName))
    .sort();
}

// The moves are what is tested; `preview` runs at the end, in parallel for every shard.
const up = (shard: number): Promise<RunResult> => project.ok(["up", "--yes", "--skip-preview", "--stack", `shard-${shard}`]);
const setCount = async (shard: number, count: number) => project.ok(["config", "set", "--stack", `shard-${shard}`, "wfp-assets:shard", `${shard}/${count}`]);

beforeAll(async () => {
  await pulumiBinDir();
  [emulator, postgres] = await Promise.all([startEmulator({ tokens: [TOKEN], rateLimit: RATE_LIMIT }), startTestPostgres()]);
  await emulatorAdmin({ url: emulator.url, token: TOKEN }).createNamespace(NS);
  // The loopback test server has no TLS; the CLI's driver (lib/pq) asks for it unless told otherwise.
  backend = `${await postgres.database()}?sslmode=disable`;
  const files: Record<string, string> = {};
  for (const tenant of TENANTS) files[`sites/${tenant}/public/index.html`] = page(tenant);
  project = await PulumiProject.create({
    name: PROJECT,
    program: PROGRAM,
    language: "js",
    files,
    env: {
      // One backend for every shard: the CLI's Postgres backend on a real Postgres.
      PULUMI_BACKEND_URL: backend,
      CLOUDFLARE_API_BASE_URL: emulator.url,
      CLOUDFLARE_API_TOKEN: TOKEN,
      // The client's budget matches the emulator's limit, and processes on one token share it through a folder of
      // their calls (apiBudgetShare: parallel stacks on one machine switch it on).
      WFP_ASSETS_API_BUDGET: `${RATE_LIMIT.requests}/${RATE_LIMIT.windowSeconds}`,
    },
  });
  project = project.withEnv({ WFP_ASSETS_API_BUDGET_SHARE: `${project.root}/api-budget` });
  project.secrets.add(TOKEN);
  for (const shard of [1, 2]) {
    await project.initStack(`shard-${shard}`, { "fleet:accountId": EMULATOR_ACCOUNT, "fleet:namespace": NS, "wfp-assets:shard": `${shard}/2` });
  }
}, 45 * 60_000);

afterAll(async () => {
  await project?.dispose();
  await emulator?.close();
  await postgres?.stop();
});

describe("a fleet in shards on one Postgres backend", { timeout: 600_000 }, () => {
  guardSecrets(() => [project]);

  it("deploys 2 shards as parallel processes on one token without one 429, each stack holding its shard's tenants", async () => {
    const runs = await Promise.all([up(1), up(2)]);
    const rate = (await emulator.stats()).rateLimit!;
    const token = Object.values(rate.tokens)[0]!;
    const calls = token.history.reduce((n, w) => n + w.calls, 0) + token.window.calls;
    console.log(`2 shards in parallel: ${calls} calls, ${rate.throttled} throttled, ${rate.blocks} blocks (limit ${RATE_LIMIT.requests} per ${RATE_LIMIT.windowSeconds} s)`);
    expect(rate.throttled).toBe(0);
    expect(rate.blocks).toBe(0);
    expect(calls).toBeGreaterThan(RATE_LIMIT.requests); // more than one window's worth: the two processes paced together
    expect(runs.some((r) => /waiting [^:]+ for the API budget/.test(r.output))).toBe(true);
    await expectEverySiteServed("2 shards up");
    const state = await project.checkStateForSecrets();
    for (const shard of [1, 2]) {
      expect(tenantsInState(state[`shard-${shard}`])).toEqual(TENANTS.filter((t) => hashShard(t, 2) === shard));
    }
    expect(Object.values(await owners()).every((o) => o === `wfp-owner=${PROJECT}/shard-1` || o === `wfp-owner=${PROJECT}/shard-2`)).toBe(true);
  });

  it("2 → 3 shards and an override: old owner first or new owner first, every site serves after every step", async () => {
    const assigned = (t: string) => (t === OVERRIDDEN ? 1 : hashShard(t, 3));
    const fromOne = TENANTS.filter((t) => hashShard(t, 2) === 1 && assigned(t) === 3);
    const fromTwo = TENANTS.filter((t) => hashShard(t, 2) === 2 && assigned(t) === 3);
    expect(fromOne.length).toBeGreaterThan(0);
    expect(fromTwo.length).toBeGreaterThan(0);

    await project.initStack("shard-3", { "fleet:accountId": EMULATOR_ACCOUNT, "fleet:namespace": NS, "wfp-assets:shard": "3/3" });
    await setCount(1, 3);
    await setCount(2, 3);
    await project.write(`sites/${OVERRIDDEN}/tenant.json`, JSON.stringify({ shard: 1 }));

    // Shard 1 first: the old owner of fromOne, the new owner of OVERRIDDEN (still shard 2's).
    const one = await up(1);
    expect(one.output).toMatch(new RegExp(`${NS}/${OVERRIDDEN}: taking the script over from the shard "${PROJECT}/shard-2"`));
    for (const t of fromOne) expect(one.output).toContain(`"${t}" in dispatch namespace "${NS}": handed over to another shard`);
    expect(one.output).not.toMatch(/warning: Left the script/);
    await expectEverySiteServed("shard 1 (K = 3) up");
    const afterOne = await owners();
    for (const t of fromOne) expect(afterOne[t]).toBe(`wfp-owner=${PROJECT}/shard-1`); // left in place, still serving

    // Shard 3 next: new owner after the old (fromOne), new owner before the old (fromTwo).
    const three = await up(3);
    for (const t of [...fromOne, ...fromTwo]) expect(three.output).toMatch(new RegExp(`${NS}/${t}: taking the script over from the shard "${PROJECT}/shard-[12]"`));
    await expectEverySiteServed("shard 3 up");

    // Shard 2 last: the old owner of fromTwo (already taken over) and of OVERRIDDEN.
    const two = await up(2);
    for (const t of [...fromTwo, OVERRIDDEN]) expect(two.output).toContain(`"${t}" in dispatch namespace "${NS}": handed over to another shard`);
    expect(two.output).not.toMatch(/warning: Left the script/);
    await expectEverySiteServed("shard 2 (K = 3) up");

    const final = await owners();
    for (const t of TENANTS) expect(final[t]).toBe(`wfp-owner=${PROJECT}/shard-${assigned(t)}`);
    const state = await project.checkStateForSecrets();
    for (const shard of [1, 2, 3]) expect(tenantsInState(state[`shard-${shard}`])).toEqual(TENANTS.filter((t) => assigned(t) === shard));

    // Converged: every shard's preview, in parallel, plans nothing and names no orphan.
    const previews = await Promise.all([1, 2, 3].map((s) => project.ok(["preview", "--expect-no-changes", "--stack", `shard-${s}`])));
    for (const p of previews) expect(p.output).not.toMatch(/owner tag|orphan/i);
    expect((await emulator.stats()).rateLimit!.throttled).toBe(0);
  });
});
