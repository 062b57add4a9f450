import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ReadWriteGate } from "../../../src/emulator/serve/rw-gate.js";

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("ReadWriteGate", () => {
  it("runs readers together", async () => {
    const gate = new ReadWriteGate(10_000);
    const events: string[] = [];
    const a = deferred();
    const first = gate.read(async () => {
      events.push("a start");
      await a.promise;
      events.push("a end");
    });
    const second = gate.read(async () => events.push("b"));
    await second;
    a.resolve();
    await first;
    expect(events).toEqual(["a start", "b", "a end"]);
  });

  it("lets a writer wait for readers in flight and holds new readers until it is done", async () => {
    const gate = new ReadWriteGate(10_000);
    const events: string[] = [];
    const inFlight = deferred();
    const reader = gate.read(async () => {
      await inFlight.promise;
      events.push("reader in flight done");
    });
    const writer = gate.write(async () => {
      events.push("writer");
      await sleep(5);
      events.push("writer done");
    });
    const late = gate.read(async () => events.push("late reader"));
    await sleep(5);
    expect(events).toEqual([]);
    inFlight.resolve();
    await Promise.all([reader, writer, late]);
    expect(events).toEqual(["reader in flight done", "writer", "writer done", "late reader"]);
  });

  it("runs writers one after another, even when one fails", async () => {
    const gate = new ReadWriteGate(10_000);
    const events: string[] = [];
    const one = gate.write(async () => {
      await sleep(5);
      events.push("one");
      throw new Error("boom");
    });
    const two = gate.write(async () => events.push("two"));
    await expect(one).rejects.toThrow("boom");
    await two;
    expect(events).toEqual(["one", "two"]);
    expect(await gate.read(async () => "reader after")).toBe("reader after");
  });

  it("stops waiting for a reader that outlives the drain timeout", async () => {
    const gate = new ReadWriteGate(20);
    const stuck = deferred();
    const reader = gate.read(() => stuck.promise);
    let wrote = false;
    await gate.write(async () => {
      wrote = true;
    });
    expect(wrote).toBe(true);
    stuck.resolve();
    await reader;
  });
});
