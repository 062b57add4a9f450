/**
 * What a new user does: start the service with no configuration (it runs its own emulator and builds or finds
 * the pinned Pulumi CLI), paste the `curl` line it prints, open the site, delete it, stop the service.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { descendantPids, isAlive } from "../fixtures/process-tree.mjs";
import { pulumiBinDir } from "../fixtures/repo.mjs";
import { findSecretLeaks } from "../fixtures/secret-leaks.mjs";
import { startService, type RunningService } from "./service-process.js";

let service: RunningService;
let dataDir: string;

beforeAll(async () => {
  await pulumiBinDir(); // the first call may build the CLI: not the service's start-up time
  dataDir = mkdtempSync(path.join(tmpdir(), "platform-quickstart-"));
  service = await startService({
    PLATFORM_DATA_DIR: dataDir,
    PLATFORM_EMULATOR_PORT: "0",
    CLOUDFLARE_API_BASE_URL: undefined,
    CF_API_BASE_URL: undefined,
    CLOUDFLARE_API_TOKEN: undefined,
    CLOUDFLARE_ACCOUNT_ID: undefined,
    PULUMI_BACKEND_URL: undefined,
    PULUMI_CONFIG_PASSPHRASE: undefined,
    PLATFORM_PULUMI_ROOT: undefined,
  });
}, 45 * 60_000);

afterAll(async () => {
  if (service && isAlive(service.pid)) service.crash();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function printed(pattern: RegExp): string {
  const match = pattern.exec(service.output());
  if (!match?.[1]) throw new Error(`the service did not print ${pattern}:\n${service.output()}`);
  return match[1];
}

const shell = (command: string) => promisify(execFile)("bash", ["-o", "pipefail", "-c", command], { maxBuffer: 1 << 20 });

it("prints a curl line that deploys an example tenant, which the emulator then serves", { timeout: 300_000 }, async () => {
  const upload = printed(/^ {2}(tar czf .*\| curl .*)$/m);
  expect(upload).toMatch(/examples\/tenant-sites\/spa-shop\/public/);
  const { stdout } = await shell(upload);
  const site = /succeeded: live at (http:\/\/spa-shop\.tenants\.localhost:\d+\/)\n$/.exec(stdout)?.[1];
  expect(site, stdout).toBeDefined();
  expect(stdout).toMatch(/tenants\/spa-shop: 3 new of 3 files/);

  const fallback = printed(/\(or (http:\/\/127\.0\.0\.1:\d+\/__sites\/tenants\/spa-shop\/)\)/);
  const home = await fetch(fallback);
  expect(home.status).toBe(200);
  expect(await home.text()).toMatch(/<title>Spa Shop<\/title>/);
  // The single-page-application setting from the curl line: a deep link answers with index.html.
  const deepLink = await fetch(`${fallback}products/42`);
  expect(deepLink.status).toBe(200);
  expect(await deepLink.text()).toMatch(/<title>Spa Shop<\/title>/);

  const state = await fetch(`${service.url}/tenants/spa-shop`);
  expect(await state.json()).toMatchObject({ status: "live", live: { fileCount: 3, url: site } });

  const remove = printed(/Delete: (curl -X DELETE .*)$/m);
  const deleted = await shell(remove);
  expect(deleted.stdout.trimEnd().split("\n").at(-1)).toBe("succeeded");
  expect((await fetch(fallback)).status).toBe(404);
});

it("stops on SIGTERM with exit code 0, taking the emulator and every child process with it", { timeout: 120_000 }, async () => {
  const children = descendantPids(service.pid);
  expect(await service.stop()).toBe(0);
  expect(children.filter((pid) => isAlive(pid))).toEqual([]);
  // The token the emulator generated (kept in its data folder) is printed nowhere; nothing looks like a JWT.
  const token = readFileSync(path.join(dataDir, "emulator", "api-token"), "utf8").trim();
  expect(findSecretLeaks(service.output(), [token])).toEqual([]);
});
