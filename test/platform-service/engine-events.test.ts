import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { expect, it } from "vitest";
import { describeEngineEvent } from "../../packages/platform-service/src/engine-events.ts";

const base = { sequence: 1, timestamp: 0 };
const SITE = "pulumi-nodejs:dynamic/wfp:UserWorkerAssets";
const step = (op: string, type = SITE) => ({ metadata: { op, urn: "urn:x", type, provider: "" } });

it("keeps the provider's lines, warnings and errors, drops debug chatter", () => {
  expect(describeEngineEvent({ ...base, diagnosticEvent: { message: "tenants/acme: 2 new of 4 files (428 B) in 1 bucket\n\n", color: "never", severity: "info" } })).toEqual([
    "tenants/acme: 2 new of 4 files (428 B) in 1 bucket",
  ]);
  expect(describeEngineEvent({ ...base, diagnosticEvent: { message: "a\nb\n", color: "never", severity: "error" } })).toEqual(["error: a", "error: b"]);
  expect(describeEngineEvent({ ...base, diagnosticEvent: { message: "careful", color: "never", severity: "warning" } })).toEqual(["warning: careful"]);
  expect(describeEngineEvent({ ...base, diagnosticEvent: { message: "RegisterResource RPC prepared", color: "never", severity: "debug" } } as unknown as EngineEvent)).toEqual([]);
});

it("says what happens to the site resource, and only to it", () => {
  expect(describeEngineEvent({ ...base, resourcePreEvent: step("same") } as unknown as EngineEvent)).toEqual(["site: unchanged: the files and settings are the ones already live"]);
  expect(describeEngineEvent({ ...base, resOutputsEvent: step("update") } as unknown as EngineEvent)).toEqual(["site: worker updated"]);
  expect(describeEngineEvent({ ...base, resOpFailedEvent: { ...step("create"), status: 1, steps: 1 } } as unknown as EngineEvent)).toEqual(["site: create failed"]);
  expect(describeEngineEvent({ ...base, resourcePreEvent: step("create", "pulumi:pulumi:Stack") } as unknown as EngineEvent)).toEqual([]);
});

it("summarizes the run", () => {
  const summary = { maybeCorrupt: false, durationSeconds: 2, resourceChanges: { same: 1, update: 1, delete: 0 }, policyPacks: {} };
  expect(describeEngineEvent({ ...base, summaryEvent: summary } as unknown as EngineEvent)).toEqual(["pulumi: done in 2 s (resources: same 1, update 1)"]);
});
