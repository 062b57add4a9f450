/** The HTTP surface's bounds and their defaults (README "Attack surface"; env overrides in config.ts). */
import type { OccupancyLimits } from "./occupancy.ts";
import type { ServerTimeouts } from "./server.ts";

export interface HttpLimits extends ServerTimeouts {
  /** Open event streams (`…/events` and `?follow=1` answers). */
  streams: OccupancyLimits;
  /** Uploads being received at once. */
  uploads: OccupancyLimits;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  // A 256 MiB archive (the default upload limit) at 0.5 MiB/s takes under 9 minutes.
  requestTimeoutMs: 15 * 60_000,
  streams: { total: 1000, perTenant: 20 },
  uploads: { total: 16, perTenant: 2 },
};
