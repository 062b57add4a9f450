import { describe, expect, it } from "vitest";
import { Deployment, type DeploymentKind } from "../../packages/platform-service/src/deployment.ts";
import { redactor } from "../../packages/platform-service/src/redact.ts";
import { Slots, TenantScheduler, type Operation } from "../../packages/platform-service/src/scheduler.ts";

/** An operation that runs until the test opens its gate, recording what ran. */
function operation(tenant: string, kind: DeploymentKind, log: string[]) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const deployment = new Deployment({ tenant, kind, redact: redactor([]) });
  let discarded = false;
  const op: Operation = {
    deployment,
    run: async () => {
      log.push(`start ${tenant} ${deployment.id}`);
      await gate;
      deployment.succeed();
      log.push(`end ${tenant} ${deployment.id}`);
    },
    discard: async () => {
      discarded = true;
    },
  };
  return { op, deployment, open, discarded: () => discarded };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("TenantScheduler", () => {
  it("runs one operation per tenant; a newer upload supersedes the one waiting, not the one running", async () => {
    const log: string[] = [];
    const scheduler = new TenantScheduler(4);
    const first = operation("acme", "deploy", log);
    const second = operation("acme", "deploy", log);
    const third = operation("acme", "deploy", log);
    scheduler.submit(first.op);
    await tick();
    expect(scheduler.submit(second.op)).toEqual([]);
    expect(scheduler.submit(third.op)).toEqual([second.deployment]);
    expect(second.deployment.status).toBe("superseded");
    expect(second.deployment.supersededBy).toBe(third.deployment.id);
    expect(second.discarded()).toBe(true);
    expect(scheduler.operations("acme").map((d) => d.id)).toEqual([first.deployment.id, third.deployment.id]);
    first.open();
    await tick();
    expect(third.deployment.status).toBe("running");
    third.open();
    await scheduler.idle();
    expect(log).toEqual([`start acme ${first.deployment.id}`, `end acme ${first.deployment.id}`, `start acme ${third.deployment.id}`, `end acme ${third.deployment.id}`]);
  });

  it("lets a delete supersede waiting uploads", async () => {
    const log: string[] = [];
    const scheduler = new TenantScheduler(4);
    const running = operation("acme", "deploy", log);
    const waiting = operation("acme", "deploy", log);
    const remove = operation("acme", "delete", log);
    scheduler.submit(running.op);
    scheduler.submit(waiting.op);
    expect(scheduler.submit(remove.op)).toEqual([waiting.deployment]);
    running.open();
    remove.open();
    await scheduler.idle();
    expect(remove.deployment.status).toBe("succeeded");
  });

  it("runs at most `limit` operations at once across tenants, the others in arrival order", async () => {
    const log: string[] = [];
    const scheduler = new TenantScheduler(2);
    const ops = ["a", "b", "c", "d"].map((tenant) => operation(tenant, "deploy", log));
    for (const { op } of ops) scheduler.submit(op);
    await tick();
    expect(ops.map(({ deployment }) => deployment.status)).toEqual(["running", "running", "queued", "queued"]);
    ops[1]!.open();
    await tick();
    await tick();
    expect(ops.map(({ deployment }) => deployment.status)).toEqual(["running", "succeeded", "running", "queued"]);
    for (const { open } of ops) open();
    await scheduler.idle();
    expect(ops.every(({ deployment }) => deployment.status === "succeeded")).toBe(true);
  });

  it("marks an operation that throws as failed instead of stopping the lane", async () => {
    const scheduler = new TenantScheduler(1);
    const deployment = new Deployment({ tenant: "acme", kind: "deploy", redact: redactor([]) });
    scheduler.submit({ deployment, run: async () => Promise.reject(new Error("disk full")), discard: async () => {} });
    await tick();
    const log: string[] = [];
    const next = operation("acme", "deploy", log);
    next.open();
    scheduler.submit(next.op);
    await scheduler.idle();
    expect(deployment.error).toEqual({ code: "internal-error", message: "disk full" });
    expect(next.deployment.status).toBe("succeeded");
  });
});

describe("Slots", () => {
  it("hands slots out in arrival order and releases each once", async () => {
    const slots = new Slots(1);
    const release = await slots.acquire();
    const order: number[] = [];
    const waiting = [1, 2].map((n) => slots.acquire().then((r) => (order.push(n), r)));
    release();
    release();
    const releaseFirst = await waiting[0]!;
    expect(order).toEqual([1]);
    releaseFirst();
    (await waiting[1]!)();
    expect(order).toEqual([1, 2]);
  });
});
