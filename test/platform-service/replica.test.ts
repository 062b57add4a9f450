/**
 * mayReap (packages/platform-service/src/replica.ts): a reaper declares other replicas dead only after it has itself
 * reached the database for a whole lease without a failure, so a database outage, which stops every heartbeat
 * alike, costs no replica its lease.
 */
import { describe, expect, it } from "vitest";
import { mayReap } from "../../packages/platform-service/src/replica.ts";

const LEASE_MS = 30_000;

describe("mayReap", () => {
  it("not while its own last lease query failed (the database is away for it too)", () => {
    expect(mayReap(undefined, 1_000_000, LEASE_MS)).toBe(false);
  });

  it("not until a whole lease has passed since the database answered again (or since the replica started)", () => {
    expect(mayReap(1_000_000, 1_000_000 + LEASE_MS - 1, LEASE_MS)).toBe(false);
    expect(mayReap(1_000_000, 1_000_000 + LEASE_MS, LEASE_MS)).toBe(true);
  });
});
