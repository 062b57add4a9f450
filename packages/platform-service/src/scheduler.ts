/**
 * When each tenant operation runs. Two rules:
 * - One operation per tenant at a time (one stack, one lock). While one runs, later ones wait; a newer upload
 *   supersedes an upload that has not started yet (the newest upload wins; the running one finishes), and a
 *   delete supersedes waiting uploads.
 * - At most `limit` operations across all tenants at once (each is a Pulumi CLI, an engine, a provider
 *   process and the uploads): the rest wait in arrival order.
 * An operation that is waiting for a slot is still "waiting": a newer upload can supersede it.
 */
import type { Deployment } from "./deployment.ts";

export interface Operation {
  deployment: Deployment;
  /** Does the work and settles the deployment; must not throw. */
  run(): Promise<void>;
  /** Frees what the operation holds (its unpacked upload) when it is superseded before it ran. */
  discard(): Promise<void>;
}

/** FIFO counting semaphore. */
export class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.free = limit;
  }

  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

interface Lane {
  waiting: Operation[];
  running: Operation | undefined;
  /** True from the moment the lane asks for a slot until its last operation is done. */
  active: boolean;
}

export class TenantScheduler {
  private readonly lanes = new Map<string, Lane>();
  private readonly slots: Slots;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(limit: number) {
    this.slots = new Slots(limit);
  }

  /** Queues `operation`; returns the waiting operations it superseded (already marked). */
  submit(operation: Operation): Deployment[] {
    const tenant = operation.deployment.tenant;
    let lane = this.lanes.get(tenant);
    if (!lane) {
      lane = { waiting: [], running: undefined, active: false };
      this.lanes.set(tenant, lane);
    }
    const superseded: Deployment[] = [];
    if (operation.deployment.kind !== "unlock") {
      lane.waiting = lane.waiting.filter((waiting) => {
        if (waiting.deployment.kind !== "deploy") return true;
        waiting.deployment.supersede(operation.deployment);
        superseded.push(waiting.deployment);
        void waiting.discard();
        return false;
      });
    }
    lane.waiting.push(operation);
    void this.drive(tenant, lane);
    return superseded;
  }

  /** The running and waiting operations of a tenant, running first. */
  operations(tenant: string): Deployment[] {
    const lane = this.lanes.get(tenant);
    if (!lane) return [];
    return [...(lane.running ? [lane.running.deployment] : []), ...lane.waiting.map((operation) => operation.deployment)];
  }

  /** Settles when no operation runs or waits (for a clean shutdown). */
  idle(): Promise<void> {
    if (this.lanes.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drive(tenant: string, lane: Lane): Promise<void> {
    if (lane.active) return;
    lane.active = true;
    while (lane.waiting.length > 0) {
      const release = await this.slots.acquire();
      // Taken only now, so an upload that arrived while this lane waited for a slot is the one that runs.
      const operation = lane.waiting.shift();
      if (!operation) {
        release();
        break;
      }
      lane.running = operation;
      try {
        operation.deployment.start();
        await operation.run();
      } catch (error) {
        operation.deployment.fail("internal-error", error instanceof Error ? error.message : String(error));
      } finally {
        lane.running = undefined;
        release();
      }
    }
    lane.active = false;
    this.lanes.delete(tenant);
    if (this.lanes.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
