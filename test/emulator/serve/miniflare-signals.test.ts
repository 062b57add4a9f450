import { afterEach, describe, expect, it } from "vitest";
import { withDeferredSignalListeners } from "../../../src/emulator/serve/miniflare-signals.js";

const added: Array<(...args: unknown[]) => void> = [];
afterEach(() => {
  for (const l of process.listeners("SIGHUP")) if (!initial.includes(l)) process.removeListener("SIGHUP", l);
  added.length = 0;
});
const initial = process.listeners("SIGHUP");

describe("withDeferredSignalListeners", () => {
  it("swaps a listener added by the callback for one that runs only when nothing else handles the signal", () => {
    expect(initial).toEqual([]); // the test needs a process without SIGHUP handlers of its own
    const calls: string[] = [];
    const miniflareLike = () => calls.push("miniflare");
    const value = withDeferredSignalListeners(() => {
      process.on("SIGHUP", miniflareLike);
      return 42;
    });
    expect(value).toBe(42);
    expect(process.listeners("SIGHUP")).not.toContain(miniflareLike);
    expect(process.listenerCount("SIGHUP")).toBe(1);

    const host = () => calls.push("host");
    process.on("SIGHUP", host);
    process.emit("SIGHUP", "SIGHUP");
    expect(calls).toEqual(["host"]);

    process.removeListener("SIGHUP", host);
    process.emit("SIGHUP", "SIGHUP");
    expect(calls).toEqual(["host", "miniflare"]);
  });

  it("installs one replacement when the same listener is added again later", () => {
    const listener = () => undefined;
    withDeferredSignalListeners(() => process.on("SIGHUP", listener));
    process.removeListener("SIGHUP", listener); // what Miniflare's own removal would do: a no-op here
    withDeferredSignalListeners(() => process.on("SIGHUP", listener));
    expect(process.listenerCount("SIGHUP")).toBe(1);
    expect(process.listeners("SIGHUP")).not.toContain(listener);
  });

  it("leaves listeners that were there before alone", () => {
    const existing = () => undefined;
    process.on("SIGHUP", existing);
    withDeferredSignalListeners(() => undefined);
    expect(process.listeners("SIGHUP")).toEqual([existing]);
  });
});
