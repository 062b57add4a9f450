import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILES_PER_VERSION, fileLimitFor } from "../../../src/emulator/model/file-limits.js";
import { EmulatorOptionsError } from "../../../src/emulator/index.js";
import { resolveOptions } from "../../../src/emulator/options.js";
import { type RunningEmulator } from "../../../src/emulator/index.js";
import { type Target, type TestClient, start } from "../helpers.js";

/** `count` paths that all name one stored content: the count is what is judged, and the session stays one hash. */
function manifestOfCount(count: number): Record<string, { hash: string; size: number }> {
  const manifest: Record<string, { hash: string; size: number }> = {};
  for (let i = 0; i < count; i++) manifest[`/f/${i}.txt`] = { hash: "ab".repeat(16), size: 3 };
  return manifest;
}

describe("fileLimitFor", () => {
  it("gives namespace scripts 100,000 whatever the plan, account scripts their plan's limit, and an override to all", () => {
    expect(fileLimitFor({ accountPlan: "free", maxFilesOverride: undefined }, "namespace")).toEqual({ maxFiles: 100_000 });
    expect(fileLimitFor({ accountPlan: "paid", maxFilesOverride: undefined }, "account")).toEqual({ maxFiles: 100_000 });
    expect(fileLimitFor({ accountPlan: "free", maxFilesOverride: undefined }, "account")).toEqual({ maxFiles: 20_000, note: "on the Free plan" });
    expect(fileLimitFor({ accountPlan: "free", maxFilesOverride: 7 }, "namespace")).toEqual({ maxFiles: 7 });
    expect(FILES_PER_VERSION).toEqual({ paid: 100_000, free: 20_000 });
  });

  it("defaults the account plan to paid and refuses an unknown plan", () => {
    expect(resolveOptions({}).limits).toMatchObject({ accountPlan: "paid", maxFilesOverride: undefined });
    expect(() => resolveOptions({ accountPlan: "team" as never })).toThrow(EmulatorOptionsError);
    expect(() => resolveOptions({ accountPlan: "team" as never })).toThrow(/accountPlan/);
  });
});

/** Session answers at each limit and one past it, over HTTP, on both route families. */
describe.each([
  { plan: "paid" as const, accountLimit: 100_000 },
  { plan: "free" as const, accountLimit: 20_000 },
])("upload sessions on the $plan plan", ({ plan, accountLimit }) => {
  let emu: RunningEmulator;
  let client: TestClient;
  const ns: Target = { namespace: "big" };

  beforeAll(async () => {
    ({ emu, client } = await start({ accountPlan: plan }));
    await client.createNamespace("big");
  });
  afterAll(() => emu?.close());

  it("lets a namespace script have 100,000 files and refuses the 100,001st with 10307", async () => {
    const full = await client.session(ns, "site", manifestOfCount(100_000));
    expect(full.status).toBe(200);
    expect(full.body.result?.buckets.flat()).toEqual(["ab".repeat(16)]);
    const over = await client.session(ns, "site", manifestOfCount(100_001));
    expect(over.status).toBe(400);
    expect(over.body.errors[0]).toEqual({ code: 10307, message: "The manifest lists 100001 assets; the limit is 100000 per Worker." });
  });

  it(`lets an account script have ${accountLimit} files and refuses one more with 10307`, async () => {
    const full = await client.session("account", "site", manifestOfCount(accountLimit));
    expect(full.status).toBe(200);
    const over = await client.session("account", "site", manifestOfCount(accountLimit + 1));
    expect(over.status).toBe(400);
    const note = plan === "free" ? " on the Free plan" : "";
    expect(over.body.errors[0]).toEqual({ code: 10307, message: `The manifest lists ${accountLimit + 1} assets; the limit is ${accountLimit} per Worker${note}.` });
  });
});
