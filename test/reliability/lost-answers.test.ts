/**
 * Answers lost after the server acted on the request (through a proxy that drops them): the client cannot tell
 * a lost answer from a request that never arrived, so it retries — and the end state must still be exact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScriptTarget } from "../../src/cloudflare/index.js";
import { deployAssets, getScript } from "../../src/deploy/index.js";
import type { BuiltManifest } from "../../src/manifest/index.js";
import {
  ACCOUNT,
  ProgressRecorder,
  type Harness,
  errorTexts,
  expectNoSecrets,
  expectSiteLive,
  expectUploadsExplained,
  scriptStats,
  settle,
  site,
  startHarness,
  storeKeyOf,
} from "./harness.js";
import { type LossyProxy, startLossyProxy } from "./lossy-proxy.js";

let h: Harness;
let proxy: LossyProxy;
const outputs: string[] = [];

beforeAll(async () => {
  h = await startHarness({ maxBucketFiles: 3 });
  proxy = await startLossyProxy(h.emu.origin);
});
afterAll(async () => {
  await proxy.close();
  await h.close();
});

let n = 0;
async function newCase(): Promise<{ target: ScriptTarget; built: BuiltManifest }> {
  const name = `lost-${++n}`;
  await h.createNamespace(name);
  return { target: { accountId: ACCOUNT, namespace: name, scriptName: "site" }, built: await site(h, name, { files: 12, tenant: name }) };
}

async function deployThroughProxy(target: ScriptTarget, built: BuiltManifest) {
  const client = h.client({ baseUrl: `${proxy.origin}/client/v4` });
  const progress = new ProgressRecorder();
  const outcome = await settle(deployAssets(client, { target, assets: built }, { onProgress: progress.listener }));
  outputs.push(...progress.lines, JSON.stringify(progress.events), ...(outcome.ok ? [] : errorTexts(outcome.error)));
  return { client, progress, outcome };
}

describe("answers lost after the server acted", () => {
  it("a bucket's answer is lost after the emulator stored it: re-sent once, explained by the retry", async () => {
    const c = await newCase();
    proxy.loseAnswers((method, url) => method === "POST" && url.includes("/workers/assets/upload"), 1);
    const run = await deployThroughProxy(c.target, c.built);
    expect(run.outcome.ok).toBe(true);
    expect(proxy.lost).toHaveLength(1);
    await expectSiteLive(h, c.target, c.built);
    await expectUploadsExplained(h, c.target, run.client, run.progress);
    const perHash = (await h.emu.stats()).accounts[ACCOUNT]!.stores[storeKeyOf(c.target)]!.perHash;
    const twice = Object.entries(perHash).filter(([, count]) => count === 2).map(([hash]) => hash);
    const resent = run.client.uploads.find((u) => u.attempts.length === 2)!;
    expect(twice.sort()).toEqual([...resent.hashes].sort());
    expect(run.progress.uploadRetries()).toHaveLength(1);
  });

  it("the session's answer is lost: a second session is opened and the deploy completes", async () => {
    const c = await newCase();
    proxy.loseAnswers((method, url) => method === "POST" && url.endsWith("/assets-upload-session"), 1);
    const run = await deployThroughProxy(c.target, c.built);
    expect(run.outcome.ok).toBe(true);
    await expectSiteLive(h, c.target, c.built);
    expect(run.progress.retries("assets-upload-session")).toHaveLength(1);
  });

  it("the script PUT's answer is lost after the emulator applied it: the deploy still ends with the site as declared", async () => {
    const c = await newCase();
    const first = await deployThroughProxy(c.target, c.built);
    expect(first.outcome.ok).toBe(true);
    const v2 = await site(h, `${c.target.namespace}-v2`, { files: 14, tenant: `${c.target.namespace}-v2` });
    proxy.loseAnswers((method, url) => method === "PUT", 1);
    const run = await deployThroughProxy(c.target, v2);
    expect(proxy.lost.at(-1)).toMatch(/^PUT .* -> 200$/);
    // The retried PUT carries a completion JWT the emulator already spent; the flow must recover from that.
    expect(run.outcome.ok ? undefined : (run.outcome.error as Error).message).toBeUndefined();
    await expectSiteLive(h, c.target, v2);
    const live = await getScript(h.client(), c.target);
    expect(run.outcome.ok && run.outcome.value.script.etag).toBe(live?.etag);
    // v1, the applied-but-unanswered v2, and the v2 re-attached with a fresh session's completion JWT.
    expect(scriptStats(await h.emu.stats(), c.target)?.puts).toBe(3);
    expect(run.progress.of("session-renewed").map((e) => e.reason)).toEqual([
      "the script upload was retried and refused; its first attempt may have been applied",
    ]);
    expect(run.progress.of("session").map((e) => e.newFiles)).toEqual([expect.any(Number), 0]);
  });

  it("leaks no secret", () => {
    expectNoSecrets(h, outputs);
  });
});
