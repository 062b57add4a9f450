/**
 * The orphan warning of TenantSites stacks (src/provider/orphan-watch.ts), called as the provider's diff calls it,
 * against the emulator: which scripts it names, that it lists once per namespace and process, that it makes no call
 * when the API budget has no room, and that a failed listing is a warning, not a failed preview.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { CloudflareClient, routes } from "../../src/cloudflare/index.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { provider } from "../../src/provider/engine.js";
import { diffOrphanWatch, forgetOrphanWarnings, warnAboutOrphans } from "../../src/provider/orphan-watch.js";
import { TestClient, WORKER_JS } from "../emulator/helpers.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "orphan-watch-token-3c";
const BLOCKED_TOKEN = "orphan-watch-blocked-9f";
const NS = "tenants";
const OWNER = "platform/prod";

let emulator: RunningEmulator;
const watch = (declared: string[], namespace = NS) => ({ kind: "orphan-watch", component: "fleet", accountId: ACCOUNT, namespace, owner: OWNER, declared });
const listings = async () => (await emulator.stats()).accounts[ACCOUNT]?.requests["GET namespace-scripts"] ?? 0;

async function warnings(olds: Record<string, unknown>, news: Record<string, unknown>, token = TOKEN): Promise<string[]> {
  const said: string[] = [];
  await warnAboutOrphans(olds, news, { baseUrl: emulator.url, apiToken: token }, async (message) => void said.push(message));
  return said;
}

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [TOKEN, BLOCKED_TOKEN] });
  const api = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: TOKEN } });
  await api.request({ method: "POST", path: routes.namespacesPath(ACCOUNT), json: { name: NS }, schema: z.unknown() });
  await api.close();
  const client = new TestClient(emulator, TOKEN);
  for (const [name, owner] of [["alpha", OWNER], ["beta", OWNER], ["crashed", OWNER], ["left", OWNER], ["theirs", "platform/staging"]]) {
    const put = await client.putScript({ namespace: NS }, name!, { main_module: "index.js", tags: [`wfp-owner=${owner}`] }, [{ name: "index.js", content: WORKER_JS }]);
    expect(put.status, put.text).toBe(200);
  }
});
beforeEach(() => forgetOrphanWarnings());
afterAll(() => emulator?.close());

describe("the orphan warning", () => {
  it("names the owner's scripts that neither the program nor the last recorded names declare, in one listing", async () => {
    const before = await listings();
    // beta is in the recorded names (in state, about to be deleted by this update): not an orphan.
    const said = await warnings(watch(["alpha", "beta"]), watch(["alpha"]));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^TenantSites "fleet": 2 scripts in dispatch namespace "tenants" carry this stack's owner tag \(wfp-owner=platform\/prod\) but no resource of the stack declares them: crashed \(modified [^)]+\), left \(modified [^)]+\)\. They keep serving\./);
    expect(said[0]).toContain("wfp-assets orphans --account 0123456789abcdef0123456789abcdef --namespace tenants --owner platform/prod --declared-file - --delete");
    expect(await listings()).toBe(before + 1);
  });

  it("warns once per namespace and owner in a process, and not at all when nothing is orphaned", async () => {
    expect(await warnings({}, watch(["alpha", "beta"]))).toHaveLength(1);
    const before = await listings();
    expect(await warnings({}, watch(["alpha", "beta"]))).toEqual([]);
    expect(await listings()).toBe(before);
    forgetOrphanWarnings();
    expect(await warnings({}, watch(["alpha", "beta", "crashed", "left"]))).toEqual([]);
  });

  it("makes no call while the API budget has no room (a 429 block on the token)", async () => {
    const blocked = new CloudflareClient({ baseUrl: emulator.url, credentials: { apiToken: BLOCKED_TOKEN } });
    blocked.budget.blockFor(60_000);
    await blocked.close();
    const before = await listings();
    expect(await warnings({}, watch(["alpha"]), BLOCKED_TOKEN)).toEqual([]);
    expect(await listings()).toBe(before);
  });

  it("says so in a warning when the namespace cannot be listed, and the diff still answers", async () => {
    const said = await warnings({}, watch([], "no-such-ns"));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/could not check dispatch namespace "no-such-ns" for orphaned scripts: .*no-such-ns/);
  });

  it("the provider's diff records a change only when the declared names or the target change", async () => {
    expect(diffOrphanWatch(watch(["alpha"]), watch(["alpha"]))).toBe(false);
    expect(diffOrphanWatch(watch(["alpha"]), watch(["alpha", "beta"]))).toBe(true);
    provider.configure({ get: (key) => ({ "cloudflare:apiToken": TOKEN, "cloudflare:baseUrl": emulator.url })[key] });
    expect(await provider.diff(watch(["alpha", "beta", "crashed", "left"]), watch(["alpha", "beta", "crashed", "left"]))).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(provider.check(watch(["alpha"]))).toEqual({ inputs: watch(["alpha"]) });
    expect(provider.check({ ...watch(["alpha"]), declared: "alpha" }).failures?.[0]?.property).toBe("declared");
  });
});
