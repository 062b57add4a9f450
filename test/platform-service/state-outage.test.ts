/**
 * lostStateBackend (packages/platform-service/src/state-outage.ts): a CLI run that lost its Postgres state backend
 * is told apart from a deploy's own failure. The messages are the pinned CLI's own (lib/pq, database/sql, Go's net),
 * the first one as the durability test's reproduction printed it.
 */
import { describe, expect, it } from "vitest";
import { lostStateBackend } from "../../packages/platform-service/src/state-outage.ts";

const BACKEND = "postgres://postgres:secret@127.0.0.1:33039/tenants?sslmode=disable&table=pulumi_state";

describe("lostStateBackend", () => {
  it.each([
    [
      "opening the state while the server shuts down",
      'Command failed with exit code 1: pulumi stack init t --non-interactive\nerror: unable to open state database "[redacted]": failed to ping PostgreSQL: pq: the database system is shutting down (57P03)',
    ],
    ["a write on a connection the administrator ended", "error: An IO error occurred while writing the new snapshot file: pq: terminating connection due to administrator command (57P01)"],
    ["a connection database/sql found broken", "error: failed to release lock: driver: bad connection"],
    ["the server refusing connections", "error: failed to save stack: dial tcp 127.0.0.1:33039: connect: connection refused"],
    ["a reset under a read", "error: read tcp 127.0.0.1:51234->127.0.0.1:33039: read: connection reset by peer"],
    ["too many connections as every replica reconnects", "error: pq: sorry, too many clients already (53300)"],
  ])("%s: lost", (_, message) => {
    expect(lostStateBackend(message, BACKEND)).toBe(true);
  });

  it.each([
    ["a plugin's gRPC port refusing (the deploy's own failure)", "error: dial tcp 127.0.0.1:40213: connect: connection refused"],
    ["the provider's error", "error: the Cloudflare API answered 503 for PUT …/scripts/t: try again"],
    ["a lock held by another run", "error: the stack is currently locked by 1 lock(s)"],
    ["a query error that is not an outage", "error: pq: relation \"pulumi_state\" does not exist (42P01)"],
  ])("%s: not lost", (_, message) => {
    expect(lostStateBackend(message, BACKEND)).toBe(false);
  });

  it("never for a file backend, whatever the message", () => {
    expect(lostStateBackend("pq: the database system is shutting down (57P03)", "file:///var/lib/platform/state")).toBe(false);
  });

  it("a backend URL without a port is lib/pq's 5432", () => {
    expect(lostStateBackend("dial tcp db.internal:5432: connect: connection refused", "postgres://u:p@db.internal/tenants?table=pulumi_state")).toBe(true);
    expect(lostStateBackend("dial tcp db.internal:6432: connect: connection refused", "postgres://u:p@db.internal/tenants?table=pulumi_state")).toBe(false);
  });
});
