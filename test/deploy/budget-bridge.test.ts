/**
 * The API budget across a MessagePort: RemoteBudgets (a deploy thread's side) get every permit from the parent's one
 * RequestBudget (serveBudget), so two "threads" together never exceed its limit; waits, 429 blocks and refusals cross;
 * only the Ratelimit headers reach the parent; an aborted or abandoned call (a crashed thread) gives its slot back.
 * Real MessageChannels, so every message goes through structured clone and the schemas as between threads.
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { RateLimitWaitExceeded, RequestBudget, type BudgetSettings, type BudgetWait } from "../../src/cloudflare/index.js";
import type { ApiBudget } from "../../src/cloudflare/index.js";
import {
  budgetFacts,
  budgetReplySchema,
  budgetRequestSchema,
  RemoteBudget,
  serveBudget,
  type BudgetRequest,
  type BudgetService,
} from "../../src/deploy/budget-bridge.js";
import { maxInAnyWindow } from "../fixtures/call-windows.mjs";

const open: MessagePort[] = [];
afterEach(() => {
  for (const port of open.splice(0)) port.close();
});

function settings(changes: Partial<BudgetSettings> = {}): BudgetSettings {
  return { limit: 2, windowMs: 400, reserve: { calls: 0 }, perSecond: undefined, countUploadCalls: true, ...changes };
}

/** One "thread": a RemoteBudget whose requests reach `parent` through a MessageChannel; `sent` records them. */
function bridge(parent: ApiBudget): { remote: RemoteBudget; service: BudgetService; sent: BudgetRequest[] } {
  const { port1, port2 } = new MessageChannel();
  open.push(port1, port2);
  const sent: BudgetRequest[] = [];
  const service = serveBudget(parent, (reply) => port1.postMessage(reply));
  port1.on("message", (raw: unknown) => {
    const request = budgetRequestSchema.parse(raw);
    sent.push(request);
    service.handle(request);
  });
  const remote = new RemoteBudget((request) => port2.postMessage(request), budgetFacts(parent));
  port2.on("message", (raw: unknown) => remote.handle(budgetReplySchema.parse(raw)));
  return { remote, service, sent };
}


const until = async (check: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check(), what).toBe(true);
};

describe("RemoteBudget + serveBudget", () => {
  it("paces two threads' calls together by the parent's limit", async () => {
    const parent = new RequestBudget(settings({ limit: 2, windowMs: 400 }));
    const starts: number[] = [];
    const calls = [bridge(parent), bridge(parent)].flatMap(({ remote }) =>
      Array.from({ length: 3 }, async () => {
        const permit = await remote.acquire({ counted: true });
        starts.push(performance.now());
        permit.complete({});
      }),
    );
    await Promise.all(calls);
    expect(starts).toHaveLength(6);
    // 2 per 400 ms, shared: 6 calls need three windows. (A little slack for the message hop: the parent's own log
    // is what it enforces exactly.)
    expect(maxInAnyWindow(starts, 380)).toBeLessThanOrEqual(2);
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(750);
    await until(() => parent.snapshot().inFlight === 0, "every completion reached the parent");
  });

  it("tells a waiting call about the wait, and forwards only the Ratelimit headers, which the parent reads", async () => {
    const parent = new RequestBudget(settings({ limit: 1, windowMs: 300 }), { announceAfterMs: 0 });
    const { remote, sent } = bridge(parent);
    const first = await remote.acquire({ counted: true });
    const heard: BudgetWait[] = [];
    const second = remote.acquire({ counted: true, onWait: (wait) => heard.push(wait) });
    first.complete({ ratelimit: '"default";r=0;t=1', "ratelimit-policy": '"burst";q=1;w=1', authorization: "Bearer secret-token-123", "cf-ray": "x" });
    (await second).complete();
    expect(heard.length).toBeGreaterThanOrEqual(1);
    expect(heard[0]).toMatchObject({ reason: expect.stringMatching(/budget|server/), limit: 1 });
    const completed = sent.find((m) => m.type === "complete" && m.headers !== undefined);
    expect(completed).toEqual({ type: "complete", id: 0, headers: { ratelimit: '"default";r=0;t=1', "ratelimit-policy": '"burst";q=1;w=1' } });
    expect(JSON.stringify(sent)).not.toContain("secret-token-123");
  });

  it("sends a 429 block to the parent, and a longer block than the call may wait comes back as RateLimitWaitExceeded", async () => {
    const parent = new RequestBudget(settings());
    const { remote } = bridge(parent);
    remote.blockFor(10_000);
    await until(() => parent.blockedForMs() > 9_000, "the parent budget is blocked");
    const refused = remote.acquire({ counted: true, maxBlockedMs: 100 });
    await expect(refused).rejects.toBeInstanceOf(RateLimitWaitExceeded);
    await expect(refused).rejects.toMatchObject({ allowedMs: 100 });
    expect(parent.snapshot().waiting).toBe(0);
  });

  it("an aborted call leaves the parent's queue, and a permit that arrives for it is handed back", async () => {
    const parent = new RequestBudget(settings({ limit: 1, windowMs: 60_000 }));
    const { remote } = bridge(parent);
    const held = await remote.acquire({ counted: true });
    const controller = new AbortController();
    const waiting = remote.acquire({ counted: true, signal: controller.signal });
    await until(() => parent.snapshot().waiting === 1, "the second call waits in the parent");
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    await until(() => parent.snapshot().waiting === 0, "the aborted call left the parent's queue");
    held.complete();
    await until(() => parent.snapshot().inFlight === 0, "the first call's slot is back");

    // Aborted after the parent granted it but before the permit arrived: the slot goes straight back. The parent's
    // budget is wrapped so that the abort happens in exactly that gap.
    const roomy = new RequestBudget(settings({ limit: 10 }));
    const racing = new AbortController();
    const abortOnGrant: ApiBudget = {
      get countsUploadCalls() {
        return roomy.countsUploadCalls;
      },
      describe: () => roomy.describe(),
      snapshot: () => roomy.snapshot(),
      blockFor: (ms) => roomy.blockFor(ms),
      acquire: async (options) => {
        const permit = await roomy.acquire(options);
        racing.abort(new Error("too late"));
        return permit;
      },
    };
    const late = bridge(abortOnGrant);
    const raced = late.remote.acquire({ counted: true, signal: racing.signal });
    await expect(raced).rejects.toThrow("too late");
    await until(() => late.sent.some((m) => m.type === "abort"), "the thread said it no longer waits");
    await until(() => roomy.snapshot().inFlight === 0, "the granted slot was handed back");
    expect(roomy.snapshot().callsInWindow).toBe(1);
  });

  it("release() (a finished or crashed deploy) gives back what the thread held and drops what it waited for", async () => {
    const parent = new RequestBudget(settings({ limit: 1, windowMs: 60_000 }));
    const { remote, service } = bridge(parent);
    await remote.acquire({ counted: true }); // never completed: the thread died holding it
    void remote.acquire({ counted: true }).catch(() => undefined);
    await until(() => parent.snapshot().waiting === 1, "the second call waits in the parent");
    service.release();
    expect(parent.snapshot()).toMatchObject({ inFlight: 0, waiting: 0 });
    remote.close(new Error("port closed"));
    await expect(remote.acquire({ counted: true })).rejects.toThrow("port closed");
  });

  it("reports the parent's settings: upload calls counted or not, its description, and its figures", async () => {
    const parent = new RequestBudget(settings({ countUploadCalls: false, limit: 5, windowMs: 1000 }));
    const { remote } = bridge(parent);
    expect(remote.countsUploadCalls).toBe(false);
    expect(remote.describe()).toBe(parent.describe());
    const permit = await remote.acquire({ counted: true });
    expect(remote.snapshot()).toMatchObject({ callsInWindow: 1, inFlight: 1 });
    permit.complete();
  });
});
