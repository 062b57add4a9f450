/**
 * Bounds on what one kind of long-lived request may hold at once, in all and per tenant: open event streams
 * (each holds a socket and a subscription for as long as a deploy runs) and uploads being received (each
 * holds a socket, a file in incoming/ and disk I/O). A request over a bound is answered 429 at once instead of
 * queueing, so a client that opens thousands cannot starve the others.
 */
export interface OccupancyLimits {
  total: number;
  perTenant: number;
}

export class Occupancy {
  private readonly limits: OccupancyLimits;
  private total = 0;
  private readonly byTenant = new Map<string, number>();

  constructor(limits: OccupancyLimits) {
    this.limits = limits;
  }

  /** A release function when there is room (call it exactly once; later calls do nothing), else undefined. */
  tryEnter(tenant: string): (() => void) | undefined {
    const held = this.byTenant.get(tenant) ?? 0;
    if (this.total >= this.limits.total || held >= this.limits.perTenant) return undefined;
    this.total++;
    this.byTenant.set(tenant, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byTenant.get(tenant) ?? 1) - 1;
      if (left === 0) this.byTenant.delete(tenant);
      else this.byTenant.set(tenant, left);
    };
  }

  get held(): number {
    return this.total;
  }
}
