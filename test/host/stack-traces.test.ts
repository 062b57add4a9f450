/**
 * The assumption behind src/host/stack-traces.ts, for the pinned SDK and the oldest the package supports: constructing a resource stamps
 * the SDK's output promises with a stack trace, and `suspendStackTraces` around the constructor leaves them without
 * frames. If an SDK upgrade changes either, this fails and the workaround is to be removed or redone.
 *
 * The resources are constructed by the real SDK in its unit-test mode (`pulumi.runtime.setMocks`), which answers
 * registrations without an engine; what is measured happens in the constructor, before any engine is asked.
 */
import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";
import { suspendStackTraces } from "../../src/host/stack-traces.js";

type Sdk = typeof import("@pulumi/pulumi");

interface StampedPromise {
  _debugCtx: string;
  _debugStackTrace: string;
}

const nodeRequire = createRequire(__filename);
// The pinned SDK and the oldest the package supports (package.json peerDependencies).
const SDKS = { pinned: "@pulumi/pulumi", oldest: "pulumi-sdk-oldest" };

const frames = (stack: string): number => stack.split("\n").filter((line) => line.trimStart().startsWith("at ")).length;

describe.each(Object.entries(SDKS))("the SDK's stack stamps on a resource's outputs, %s SDK (src/host/stack-traces.ts)", (_which, sdkName) => {
  const pulumi = nodeRequire(sdkName) as Sdk;
  // The SDK's own bookkeeping of the promises it stamped (runtime/state.js), read to see what it captured.
  const sdkState = nodeRequire(`${sdkName}/runtime/state`) as { getStore(): { leakCandidates: Set<StampedPromise> } };

  class Probe extends pulumi.CustomResource {
    constructor(name: string, suspended: boolean) {
      const props = { site: "acme", fileCount: undefined, etag: undefined };
      const restore = suspended ? suspendStackTraces() : () => {};
      try {
        super("test:index:Probe", name, props);
      } finally {
        restore();
      }
    }
  }

  /** The stacks the SDK stamped on the promises of the resource called `name`. */
  const stampsOf = (name: string): string[] =>
    [...sdkState.getStore().leakCandidates].filter((p) => p._debugCtx.includes(name)).map((p) => p._debugStackTrace);

  beforeAll(async () => {
    await pulumi.runtime.setMocks({
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: () => ({}),
    });
  });

  it("are taken for every output property of a resource constructed normally", () => {
    new Probe(`stamped-${sdkName}`, false);
    const stamps = stampsOf(`stamped-${sdkName}`);
    // Four promises per output property (value, known, secret, dependencies), plus the URN's and the id's.
    expect(stamps.length).toBeGreaterThanOrEqual(3 * 4);
    expect(stamps.every((stack) => frames(stack) > 0)).toBe(true);
  });

  it("have no frames when the constructor runs with stack traces suspended, and the limit comes back after", () => {
    const before = Error.stackTraceLimit;
    new Probe(`suspended-${sdkName}`, true);
    const stamps = stampsOf(`suspended-${sdkName}`);
    expect(stamps.length).toBeGreaterThanOrEqual(3 * 4);
    expect(stamps.map(frames)).toEqual(stamps.map(() => 0));
    expect(Error.stackTraceLimit).toBe(before);
    expect(frames(new Error("after").stack ?? "")).toBeGreaterThan(0);
  });

  it("restores the limit when the constructor throws", () => {
    const before = Error.stackTraceLimit;
    expect(() => new Probe("", true)).toThrow();
    expect(Error.stackTraceLimit).toBe(before);
  });
});
