/** `--record DIR` on a real run against the emulator: one file per exchange, and no credential in any of them. */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordDirError, runContract } from "../../src/contract/index.js";
import type { Exchange } from "../../src/contract/exchange.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { EMULATOR_ACCOUNT } from "../fixtures/emulator.mjs";

const TOKEN = "contract-record-token-5f2c9a";
const RUN = "5eed1e55";

let emu: RunningEmulator;
let work: string;

beforeAll(async () => {
  emu = await startEmulator({ tokens: [TOKEN], rateLimit: true });
  work = await mkdtemp(join(tmpdir(), "wfp-contract-record-"));
});
afterAll(async () => {
  await emu?.close();
  await rm(work, { recursive: true, force: true });
});

const target = () => ({ kind: "emulator" as const, baseUrl: emu.url, token: TOKEN, accountId: EMULATOR_ACCOUNT });

describe("--record", () => {
  it("writes every exchange and a summary, with the token, JWTs, account id and run names redacted", async () => {
    const dir = join(work, "run");
    const report = await runContract(target(), { record: dir, runId: RUN });
    const files = (await readdir(dir)).sort();
    expect(files).toContain("summary.json");
    const exchanges = files.filter((f) => f !== "summary.json");
    expect(exchanges).toHaveLength(report.callsUsed);
    expect(exchanges[0]).toBe("001-namespace-create-POST.json");

    const texts = await Promise.all(files.map((f) => readFile(join(dir, f), "utf8")));
    for (const [i, text] of texts.entries()) {
      for (const secret of [TOKEN, "eyJ", EMULATOR_ACCOUNT, RUN]) expect(text, `${files[i]} holds ${secret}`).not.toContain(secret);
    }
    const recorded = texts.filter((_, i) => files[i] !== "summary.json").map((t) => JSON.parse(t) as Exchange);
    // The bucket upload authenticated with the session's JWT, the rest with the token; both are marked, neither kept.
    expect(recorded.filter((e) => e.auth === "upload-jwt").map((e) => e.path)).toEqual(["/accounts/{account_id}/workers/assets/upload?base64=true"]);
    const session = recorded.find((e) => e.check === "upload-session")!;
    expect(session.response.json).toMatchObject({ success: true, result: { jwt: "[redacted JWT]" } });
    expect(session.response.headers).toMatchObject({ ratelimit: expect.stringMatching(/^"default";r=\d+;t=\d+$/) });
    const put = recorded.find((e) => e.check === "script-put-code")!;
    expect(JSON.parse(put.request.parts![0]!.text)).toMatchObject({ assets: { jwt: "[redacted JWT]" }, tags: ["wfp-owner=contract/{run}", "wfp-contract-code"] });

    const summary = JSON.parse(texts[files.indexOf("summary.json")]!) as { namespace: string; results: Array<{ id: string; status: string }>; callsUsed: number; package: string };
    expect(summary).toMatchObject({ namespace: "{namespace}", callsUsed: report.callsUsed, package: expect.stringMatching(/^pulumi-wfp-assets@\d/) });
    expect(summary.results.map((r) => r.status)).toEqual(report.results.map((r) => r.status));
  });

  it("refuses a folder that already holds files, before any call", async () => {
    const dir = join(work, "used");
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    await writeFile(join(dir, "001-old.json"), "{}");
    const before = Object.values((await emu.stats()).accounts[EMULATOR_ACCOUNT]?.requests ?? {}).reduce((a, b) => a + b, 0);
    await expect(runContract(target(), { record: dir })).rejects.toThrow(RecordDirError);
    const after = Object.values((await emu.stats()).accounts[EMULATOR_ACCOUNT]?.requests ?? {}).reduce((a, b) => a + b, 0);
    expect(after).toBe(before);
  });
});
